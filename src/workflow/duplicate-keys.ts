/**
 * Duplicate mapping keys in files too big for the `yaml` library's strict parse. Bun's parser
 * keeps the last of two equal keys without a word, so a generated file with a task's
 * `command:` written twice would run the second one. A scan of the lines finds candidates in
 * block mappings (the style such files are written in); each is confirmed by the library's
 * strict parse of just the mapping that holds it, so a line the scan misread (inside a block
 * scalar, a multi-line flow value) can never be reported.
 */
import type { WorkflowIssue } from "../errors.ts";
import { skipSpaces } from "./text-positions.ts";

/** The same words the strict parse of a small file uses. */
export const DUPLICATE_KEY_MESSAGE = "YAML syntax: Map keys must be unique";
/**
 * The strict parses of one file together read at most this much (a mapping bigger than what
 * is left is not confirmed, so not reported): the library costs ~100x the text in memory, and
 * nested mappings would each be read again.
 */
const CONFIRM_BUDGET_BYTES = 256 * 1024;

/** A mapping the repeated key was found in: its keys' column (0-based), its first key's line (1-based) and that line's offset. */
interface FoundIn {
  column: number;
  firstLine: number;
  start: number;
}

interface Candidate {
  mapping: FoundIn;
  /** The repeated key's line (1-based). */
  line: number;
}

/**
 * `key:` then a space or the line's end: a plain key (no `:` in it, which workflow keys never
 * have) or a quoted one, never past the line.
 */
const KEY = /(?:[^\s#'"[\]{},:?&*!|>%@`-][^:#\n]*?|-[^\s:#][^:#\n]*?|"(?:[^"\\\n]|\\.)*"|'(?:[^'\n]|'')*')[ \t]*:(?=[ \t\r\n]|$)/y;

/** Enough for the error list (it shows 50); also bounds the strict parses a strange file can cause. */
const MAX_CONFIRMATIONS = 100;

export function bigFileDuplicateKeys(text: string): WorkflowIssue[] {
  const found: WorkflowIssue[] = [];
  /** Mappings already confirmed, by their offset. */
  const checked = new Set<number>();
  const budget = { bytes: CONFIRM_BUDGET_BYTES };
  for (const { mapping, line } of scanCandidates(text)) {
    // A key at column 0 is a top-level key for certain: nothing else may start there in a file Bun parsed.
    if (mapping.column === 0) {
      found.push({ message: DUPLICATE_KEY_MESSAGE, position: { line, column: 1 } });
      continue;
    }
    // The strict parse of a mapping reports every duplicate in it at once.
    if (checked.has(mapping.start)) continue;
    if (checked.size === MAX_CONFIRMATIONS) break;
    checked.add(mapping.start);
    found.push(...confirm(text, mapping, budget));
  }
  return found;
}

/** Calls `visit` with each line's start and end offsets and its number; stops when it returns false. */
function eachLine(text: string, from: number, visit: (start: number, end: number, line: number) => boolean | void): void {
  for (let start = from, line = 1; start < text.length; line++) {
    const newline = text.indexOf("\n", start);
    const end = newline === -1 ? text.length : newline;
    if (visit(start, end, line) === false) return;
    start = end + 1;
  }
}

/**
 * Walks block mappings by indentation. After a key (or a `- ` item) whose value is on its own
 * line, the lines indented deeper are that value's (a block scalar, a multi-line scalar or
 * flow collection) and are skipped; only a key with no value opens a nested mapping. Works on
 * offsets into the text, without copying lines: it runs on every big file.
 */
function scanCandidates(text: string): Candidate[] {
  const candidates: Candidate[] = [];
  // The open mappings as a stack of parallel arrays, and their keys as [start, end) offsets
  // in one flat list (each mapping's from keysFrom on): a big file allocates nothing per line.
  const columns: number[] = [];
  const firstLines: number[] = [];
  const starts: number[] = [];
  const keysFrom: number[] = [];
  const keyBounds: number[] = [];
  const close = () => {
    keyBounds.length = keysFrom.pop() as number;
    columns.pop();
    firstLines.pop();
    starts.pop();
  };
  /** Lines indented deeper than this belong to the value of the line before. */
  let skipDeeperThan = -1;
  let skipping = false;
  eachLine(text, 0, (start, end, line) => {
    const indent = skipSpaces(text, start) - start;
    if (isBlankOrComment(text, start + indent, end)) return;
    if (skipping && indent > skipDeeperThan) return;
    skipping = false;
    let at = start + indent;
    while (text.charCodeAt(at) === DASH && isBlankOrEnd(text, at + 1, end)) at = skipSpaces(text, at + 1);
    const column = at - start;
    const item = column > indent;
    // A new item closes everything inside the one before; a shallower key closes deeper mappings.
    const closesAbove = item ? indent : column;
    while (columns.length > 0 && (columns.at(-1) as number) > closesAbove) close();
    KEY.lastIndex = at;
    // test, not exec: no match array per line (a big file has a hundred thousand lines).
    if (!KEY.test(text)) {
      // A sequence item's scalar or flow value; its continuation lines are deeper than the dash.
      if (item && at < end) [skipping, skipDeeperThan] = [true, indent];
      return;
    }
    const colon = KEY.lastIndex - 1;
    if (hasValue(text, KEY.lastIndex, end)) [skipping, skipDeeperThan] = [true, column];
    if (columns.at(-1) !== column) {
      columns.push(column);
      firstLines.push(line);
      starts.push(start);
      keysFrom.push(keyBounds.length);
    }
    let keyEnd = colon;
    while (keyEnd > at && (text.charCodeAt(keyEnd - 1) === SPACE || text.charCodeAt(keyEnd - 1) === TAB)) keyEnd--;
    if (keyEnd - at === 2 && text.startsWith("<<", at)) return;
    if (sameKeyIn(text, keyBounds, keysFrom.at(-1) as number, at, keyEnd)) {
      candidates.push({ mapping: { column, firstLine: firstLines.at(-1) as number, start: starts.at(-1) as number }, line });
    } else keyBounds.push(at, keyEnd);
  });
  return candidates;
}

/** Whether the key text[at, end) is among the keys listed in bounds from `from` on (quoted keys compared unquoted). */
function sameKeyIn(text: string, bounds: number[], from: number, at: number, end: number): boolean {
  const quoted = isQuote(text.charCodeAt(at));
  const name = quoted ? unquote(text.slice(at, end)) : undefined;
  for (let index = from; index < bounds.length; index += 2) {
    const otherAt = bounds[index] as number;
    const otherEnd = bounds[index + 1] as number;
    if (name !== undefined || isQuote(text.charCodeAt(otherAt))) {
      if ((name ?? text.slice(at, end)) === unquote(text.slice(otherAt, otherEnd))) return true;
    } else if (otherEnd - otherAt === end - at && sameText(text, at, otherAt, end - at)) return true;
  }
  return false;
}

function sameText(text: string, a: number, b: number, length: number): boolean {
  for (let offset = 0; offset < length; offset++) if (text.charCodeAt(a + offset) !== text.charCodeAt(b + offset)) return false;
  return true;
}

function isQuote(code: number): boolean {
  return code === DOUBLE_QUOTE || code === SINGLE_QUOTE;
}

const SPACE = 32;
const TAB = 9;
const CR = 13;
const DASH = 45;
const HASH = 35;
const AMPERSAND = 38;
const BANG = 33;
const DOUBLE_QUOTE = 34;
const SINGLE_QUOTE = 39;

/** Whether a value follows on the key's line; anchors, tags and a comment alone do not count (a nested collection follows). */
function hasValue(text: string, from: number, end: number): boolean {
  for (let at = skipSpaces(text, from); at < end; ) {
    const code = text.charCodeAt(at);
    if (code === HASH || code === CR) return false;
    if (code !== AMPERSAND && code !== BANG) return true;
    while (at < end && !isBlankOrEnd(text, at, end)) at++;
    at = skipSpaces(text, at);
  }
  return false;
}

function isBlankOrEnd(text: string, at: number, end: number): boolean {
  const code = text.charCodeAt(at);
  return at >= end || code === SPACE || code === TAB || code === CR;
}

function isBlankOrComment(text: string, at: number, end: number): boolean {
  return at >= end || text.charCodeAt(at) === HASH || text.charCodeAt(at) === CR;
}

function unquote(key: string): string {
  if (key.startsWith('"')) {
    try {
      return JSON.parse(key) as string;
    } catch {
      return key;
    }
  }
  return key.startsWith("'") ? key.slice(1, -1).replaceAll("''", "'") : key;
}

/** The library's strict parse of the mapping alone, its lines at their own columns. */
function confirm(text: string, mapping: FoundIn, budget: { bytes: number }): WorkflowIssue[] {
  const { column, firstLine, start } = mapping;
  // The mapping ends before the first line (after its first) indented less than its keys.
  let regionEnd = text.length;
  eachLine(text, start, (lineStart, end, line) => {
    const at = skipSpaces(text, lineStart);
    if (line === 1 || isBlankOrComment(text, at, end) || at - lineStart >= column) return true;
    regionEnd = lineStart;
    return false;
  });
  if (regionEnd - start > budget.bytes) return [];
  budget.bytes -= regionEnd - start;
  // The first line's `- ` (and anything before its key) becomes spaces, so columns stay put.
  const snippet = `${" ".repeat(column)}${text.slice(start + column, regionEnd)}`;
  const yaml = require("yaml") as typeof import("yaml");
  const counter = new yaml.LineCounter();
  const doc = yaml.parseDocument(snippet, { lineCounter: counter, uniqueKeys: true, prettyErrors: false });
  return doc.errors
    .filter((error) => error.code === "DUPLICATE_KEY")
    .map((error) => {
      const { line, col } = counter.linePos(error.pos[0]);
      return { message: DUPLICATE_KEY_MESSAGE, position: { line: firstLine + line - 1, column: col } };
    });
}
