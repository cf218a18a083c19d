/**
 * Mutants of the example workflows for the fuzz test: deleted, duplicated and swapped lines,
 * wrong types, huge and negative numbers, unicode, NUL, invalid UTF-8, deep nesting, alias
 * bombs. Deterministic for a seed, so a failure can be replayed.
 *
 * Harmless by construction: before mutating, every `command:` becomes /bin/true (which ignores
 * its arguments), and every `url:` and `host:` points at a closed loopback port, again after
 * mutating (a mutated host must not send a DNS query). No operator writes a new command, so a
 * mutant can only run /bin/true, or fail to start a mangled path.
 */

/** mulberry32: small, fast, good enough to pick mutations. */
export function randomSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CLOSED_URL = '"http://127.0.0.1:1/fuzz"';

export function makeHarmless(text: string): string {
  return text
    .replace(/(\bcommand:[ \t]*)("(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^,}\n]*)/g, "$1/bin/true")
    .replace(/(\burl:[ \t]*)("(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^,}\n]*)/g, `$1${CLOSED_URL}`)
    .replace(/(\bhost:[ \t]*)("(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^,}\n]*)/g, '$1"127.0.0.1"')
    .replace(/(\bport:[ \t]*)[^,}\n]*/g, (_match, key: string) => `${key}1`);
}

const WRONG_VALUES = ["[]", "{}", "true", "null", "~", '""', "[a, [b, {c: d}]]", "{name: x}", "*missing_alias", "!!binary aGVsbG8=", "'\u202eevil'", "|\n  block", "0x1F", "1e3", ".nan"];
const NUMBERS = ["-1", "0", "-0", "1e309", "-1e309", ".inf", "99999999999999999999999", "2147484", "4294967296", "0.5", "-99999999999", "1_000"];
const UNICODE = ["🙂", "\u202e", "\u200b", "e\u0301", "\ufeff", "中文", "\ud800", "\u0000", "\u001b[2J", "\t", "\r"];
const TOKENS = [":", "- ", "{", "}", "[", "]", "&a ", "*a", "!", "|", ">", "%", "@", "`", "---\n", "...\n", "? ", "#", '"', "'", ",", "<<: *a\n"];

export interface Mutant {
  description: string;
  bytes: Uint8Array;
}

type TextOperator = (lines: string[], random: () => number) => string;

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)] as T;
}

function lineIndex(lines: readonly string[], random: () => number): number {
  return Math.floor(random() * lines.length);
}

const TEXT_OPERATORS: Record<string, TextOperator> = {
  "delete a line": (lines, random) => {
    lines.splice(lineIndex(lines, random), 1);
    return "";
  },
  "duplicate a line": (lines, random) => {
    const at = lineIndex(lines, random);
    lines.splice(at, 0, lines[at] ?? "");
    return "";
  },
  "swap two lines": (lines, random) => {
    const a = lineIndex(lines, random);
    const b = lineIndex(lines, random);
    [lines[a], lines[b]] = [lines[b] ?? "", lines[a] ?? ""];
    return "";
  },
  "wrong type": (lines, random) => replaceValue(lines, random, pick(WRONG_VALUES, random)),
  "odd number": (lines, random) => replaceValue(lines, random, pick(NUMBERS, random)),
  "unicode": (lines, random) => insertAt(lines, random, pick(UNICODE, random)),
  "NUL byte": (lines, random) => insertAt(lines, random, "\0"),
  "YAML token": (lines, random) => insertAt(lines, random, pick(TOKENS, random)),
  "deep nesting": (lines, random) => {
    const depth = 50 + Math.floor(random() * 200);
    const kind = random();
    const text = kind < 0.33 ? "[".repeat(depth) + "]".repeat(depth) : kind < 0.66 ? "- ".repeat(depth) + "x" : "{a: ".repeat(depth) + "1" + "}".repeat(depth);
    lines.splice(lineIndex(lines, random), 0, kind < 0.66 ? text : `deep: ${text}`);
    return "";
  },
  "alias bomb": (lines) => {
    const bomb = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 9; i++) bomb.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(", ")}]`);
    lines.unshift(...bomb);
    return "";
  },
  "shift indentation": (lines, random) => {
    const at = lineIndex(lines, random);
    lines[at] = random() < 0.5 ? `  ${lines[at]}` : (lines[at] ?? "").replace(/^ {1,2}/, "");
    return "";
  },
  "truncate": (lines, random) => {
    lines.splice(1 + lineIndex(lines, random));
    const last = lines.length - 1;
    lines[last] = (lines[last] ?? "").slice(0, Math.floor(random() * (lines[last]?.length ?? 0)));
    return "";
  },
  "huge value": (lines, random) => replaceValue(lines, random, `"${"x".repeat(100_000)}"`),
};

function replaceValue(lines: string[], random: () => number, value: string): string {
  const candidates = lines.flatMap((line, index) => (/^\s*(- )?[\w-]+:\s*\S/.test(line) ? [index] : []));
  if (candidates.length === 0) return "";
  const at = pick(candidates, random);
  lines[at] = (lines[at] as string).replace(/^(\s*(?:- )?[\w-]+:\s*).*$/, `$1${value}`);
  return "";
}

function insertAt(lines: string[], random: () => number, text: string): string {
  const at = lineIndex(lines, random);
  const line = lines[at] ?? "";
  const column = Math.floor(random() * (line.length + 1));
  lines[at] = line.slice(0, column) + text + line.slice(column);
  return "";
}

/** One mutant of `seed` (an example's text): 1 to 3 operators, sometimes invalid UTF-8 on top. */
export function mutate(seedName: string, seed: string, random: () => number): Mutant {
  const lines = makeHarmless(seed).split("\n");
  const names = Object.keys(TEXT_OPERATORS);
  const applied: string[] = [];
  const count = 1 + Math.floor(random() * 3);
  for (let i = 0; i < count && lines.length > 0; i++) {
    const name = pick(names, random);
    (TEXT_OPERATORS[name] as TextOperator)(lines, random);
    applied.push(name);
  }
  let bytes: Uint8Array = new TextEncoder().encode(makeHarmlessTargets(lines.join("\n")));
  if (random() < 0.1) {
    const at = Math.floor(random() * bytes.length);
    const bad = pick([[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]], random);
    bytes = new Uint8Array([...bytes.subarray(0, at), ...bad, ...bytes.subarray(at)]);
    applied.push("invalid UTF-8");
  }
  return { description: `${seedName}: ${applied.join(", ")}`, bytes };
}

/** After mutating, only the network targets are made harmless again (commands keep their mangling). */
function makeHarmlessTargets(text: string): string {
  return text
    .replace(/(\burl:[ \t]*)("(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^,}\n]*)/g, `$1${CLOSED_URL}`)
    .replace(/(\bhost:[ \t]*)("(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^,}\n]*)/g, '$1"127.0.0.1"');
}
