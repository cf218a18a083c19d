/**
 * Text from a file or a task on its way to a terminal: control and bidirectional-override
 * characters are shown escaped (they could rewrite the screen or reorder what it shows), and
 * a line is cut at a length a terminal can show, saying how much was left out.
 */
export const MAX_LINE_CHARS = 1000;

// C0 controls but \n (lines are split by callers), DEL, C1 controls, bidi embeddings/overrides/isolates and marks.
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function escapeChar(char: string): string {
  const code = char.codePointAt(0) as number;
  if (char === "\t") return "\\t";
  if (char === "\r") return "\\r";
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u{${code.toString(16)}}`;
}

/** One line, safe to print: escaped, and at most `max` characters plus a note of what was cut. */
export function terminalLine(text: string, max = MAX_LINE_CHARS): string {
  const oneLine = text.includes("\n") ? text.replaceAll("\n", "\\n") : text;
  const cut = oneLine.length > max ? oneLine.slice(0, max) : oneLine;
  const safe = cut.replace(UNSAFE, escapeChar);
  return cut === oneLine ? safe : `${safe}... (${oneLine.length - max} more characters)`;
}
