/**
 * Bounds on what a workflow file may make the parsers do, checked in one linear pass before
 * any parser runs: a file of 2 MB of `[` or a 10,000-deep block sequence used to cost seconds,
 * gigabytes and a stack overflow. Real workflows are a few KiB deep in a handful of levels.
 */
import type { WorkflowIssue } from "../errors.ts";

/** About 20,000 tasks written out in block style: far beyond any hand-written workflow, and it bounds the work of every parser. */
export const MAX_WORKFLOW_BYTES = 2 * 1024 * 1024;
/**
 * Files up to this size are parsed by the `yaml` library too, for positions and strict errors.
 * Its document costs up to ~400x the text (4 MiB of `: `: 1.6 GB) and its errors superlinear
 * time (256 KiB of `]`: 10 s, 660 MB); at 32 KiB the worst stays near 100 MB and a second.
 * Bigger files are positioned by a scan of the text (text-positions.ts).
 */
export const POSITIONED_PARSE_MAX_BYTES = 32 * 1024;
/** Mappings and sequences inside each other; a workflow needs about 6 (tasks, a task, config, env ...). */
export const MAX_NESTING_DEPTH = 64;

/** Why the file is refused before parsing, or undefined. */
export function inputLimitProblem(text: string): WorkflowIssue | undefined {
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_WORKFLOW_BYTES) {
    return { message: `the file is ${bytes} bytes; a workflow file may have at most ${MAX_WORKFLOW_BYTES} bytes (2 MiB)` };
  }
  return nestingProblem(text);
}

export function fileSizeProblem(bytes: number): string | undefined {
  return bytes > MAX_WORKFLOW_BYTES ? `it is ${bytes} bytes; a workflow file may have at most ${MAX_WORKFLOW_BYTES} bytes (2 MiB)` : undefined;
}

/**
 * Deepest nesting, counted generously (a bracket inside a plain scalar counts too): flow
 * brackets outside quotes and comments, plus indentation levels and `- ` items of block
 * collections. Stops at the first line that goes deeper than MAX_NESTING_DEPTH.
 */
function nestingProblem(text: string): WorkflowIssue | undefined {
  const indents: number[] = [];
  let flow = 0;
  let quote: "'" | '"' | undefined;
  let line = 1;
  let lineStart = 0;
  let atLineStart = true;
  let dashes = 0;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (char === "\n") {
      line++;
      lineStart = index + 1;
      atLineStart = true;
      dashes = 0;
      continue;
    }
    if (quote) {
      if (char === "\\" && quote === '"') index++;
      else if (char === quote) quote = undefined;
      continue;
    }
    if (atLineStart) {
      if (char === " " || char === "\t") continue;
      if (char === "-" && (text[index + 1] === " " || text[index + 1] === "\n" || index + 1 === text.length)) {
        // Block sequence items, also several on one line (`- - - x`).
        dashes++;
        if (dashes === 1) {
          const indent = index - lineStart;
          while (indents.length > 0 && (indents.at(-1) as number) >= indent) indents.pop();
          indents.push(indent);
        }
        if (indents.length + dashes - 1 + flow > MAX_NESTING_DEPTH) return tooDeep(line, index - lineStart + 1);
        continue;
      }
      atLineStart = false;
      if (char === "#") {
        index = skipToLineEnd(text, index);
        continue;
      }
      if (dashes === 0 && flow === 0) {
        const indent = index - lineStart;
        while (indents.length > 0 && (indents.at(-1) as number) >= indent) indents.pop();
        indents.push(indent);
        if (indents.length > MAX_NESTING_DEPTH) return tooDeep(line, indent + 1);
      }
    }
    if ((char === "'" || char === '"') && startsScalar(text, index, lineStart)) quote = char;
    else if (char === "#" && (text[index - 1] === " " || text[index - 1] === "\t")) index = skipToLineEnd(text, index);
    else if (char === "[" || char === "{") {
      flow++;
      if (flow + indents.length + Math.max(0, dashes - 1) > MAX_NESTING_DEPTH) return tooDeep(line, index - lineStart + 1);
    } else if ((char === "]" || char === "}") && flow > 0) flow--;
  }
  return undefined;
}

/** A quote opens a quoted scalar only where a scalar may start; elsewhere (`don't`) it is text. */
function startsScalar(text: string, index: number, lineStart: number): boolean {
  let before = index - 1;
  while (before >= lineStart && (text[before] === " " || text[before] === "\t")) before--;
  return before < lineStart || "[{,:-?".includes(text[before] as string);
}

function skipToLineEnd(text: string, index: number): number {
  const end = text.indexOf("\n", index);
  return (end === -1 ? text.length : end) - 1;
}

function tooDeep(line: number, column: number): WorkflowIssue {
  return {
    message: `nesting deeper than ${MAX_NESTING_DEPTH} levels; a workflow needs only a few (is a bracket or an indentation run away?)`,
    position: { line, column },
  };
}

/** The parser's advice to its API users ("use parseAllDocuments") is no help to the file's author. */
export function explainYamlError(message: string): string {
  if (/multiple documents/i.test(message)) return "the file holds more than one YAML document (a second `---`); a workflow file holds exactly one";
  if (/excessive aliasing/i.test(message)) return "too many alias expansions (*name); aliases may not multiply the document";
  return message;
}

/**
 * A syntax error in a file too big for the positioned parser: Bun's parser says what, not
 * where, so the first line at which a prefix of the file stops parsing is found by bisection
 * (about 20 native parses).
 */
export function bigFileSyntaxIssue(text: string, message: string): WorkflowIssue {
  const lines = text.split("\n");
  const parses = (count: number) => {
    try {
      Bun.YAML.parse(lines.slice(0, count).join("\n"));
      return true;
    } catch {
      return false;
    }
  };
  let good = 0;
  let bad = lines.length;
  while (bad - good > 1) {
    const mid = (good + bad) >> 1;
    if (parses(mid)) good = mid;
    else bad = mid;
  }
  return { message: `YAML syntax: ${message} (at or just before this line)`, position: { line: bad, column: 1 } };
}
