/**
 * Duplicate mapping keys in files too big for the `yaml` library's strict parse. Bun's parser
 * keeps the last of two equal keys without a word, so a generated file with a task's
 * `command:` written twice would run the second one. A scan of the lines finds candidates in
 * block mappings (the style such files are written in); each is confirmed by the library's
 * strict parse of just the mapping that holds it, so a line the scan misread (inside a block
 * scalar, a multi-line flow value) can never be reported.
 */
import type { WorkflowIssue } from "../errors.ts";

/** The same words the strict parse of a small file uses. */
export const DUPLICATE_KEY_MESSAGE = "YAML syntax: Map keys must be unique";
/**
 * The strict parses of one file together read at most this much (a mapping bigger than what
 * is left is not confirmed, so not reported): the library costs ~100x the text in memory, and
 * nested mappings would each be read again.
 */
const CONFIRM_BUDGET_BYTES = 256 * 1024;

interface OpenMapping {
  /** Column of its keys (0-based). */
  column: number;
  /** Index of the line of its first key. */
  firstLine: number;
  /** Key -> index of the line it is on. */
  keys: Map<string, number>;
}

interface Candidate {
  mapping: OpenMapping;
  /** Index of the repeated key's line, and its column. */
  line: number;
  column: number;
}

/**
 * `key:` then a space or the line's end: a plain key (no `:` in it, which workflow keys never
 * have) or a quoted one; group 1 is the key, and lastIndex lands after the colon.
 */
const KEY = /([^\s#'"[\]{},:?&*!|>%@`-][^:#]*?|-[^\s:#][^:#]*?|"(?:[^"\\]|\\.)*"|'(?:[^']|'')*')[ \t]*:(?=[ \t\r]|$)/y;

/** Enough for the error list (it shows 50); also bounds the strict parses a strange file can cause. */
const MAX_CONFIRMATIONS = 100;

export function bigFileDuplicateKeys(text: string): WorkflowIssue[] {
  const lines = text.split("\n");
  const found: WorkflowIssue[] = [];
  const checked = new Set<OpenMapping>();
  const budget = { bytes: CONFIRM_BUDGET_BYTES };
  for (const candidate of scanCandidates(lines)) {
    if (candidate.mapping.column === 0) {
      found.push(topLevelIssue(candidate));
      continue;
    }
    // The strict parse of a mapping reports every duplicate in it at once.
    if (checked.has(candidate.mapping)) continue;
    if (checked.size === MAX_CONFIRMATIONS) break;
    checked.add(candidate.mapping);
    found.push(...confirm(lines, candidate.mapping, budget));
  }
  return found;
}

/**
 * Walks block mappings by indentation. After a key (or a `- ` item) whose value is on its own
 * line, the lines indented deeper are that value's (a block scalar, a multi-line scalar or
 * flow collection) and are skipped; only a key with no value opens a nested mapping. Works on
 * offsets into the lines, without copying them: it runs on every big file.
 */
function scanCandidates(lines: string[]): Candidate[] {
  const candidates: Candidate[] = [];
  const open: OpenMapping[] = [];
  /** Lines indented deeper than this belong to the value of the line before. */
  let skipDeeperThan = -1;
  let skipping = false;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] as string;
    const indent = spacesFrom(line, 0);
    const first = line.charCodeAt(indent);
    if (indent === line.length || first === HASH || first === CR) continue;
    if (skipping && indent > skipDeeperThan) continue;
    skipping = false;
    let column = indent;
    while (line.charCodeAt(column) === DASH && isBlankOrEnd(line, column + 1)) column = spacesFrom(line, column + 1);
    const item = column > indent;
    // A new item closes everything inside the one before; a shallower key closes deeper mappings.
    const closesAbove = item ? indent : column;
    while (open.length > 0 && (open.at(-1) as OpenMapping).column > closesAbove) open.pop();
    KEY.lastIndex = column;
    const key = KEY.exec(line);
    if (!key) {
      // A sequence item's scalar or flow value; its continuation lines are deeper than the dash.
      if (item && column < line.length) [skipping, skipDeeperThan] = [true, indent];
      continue;
    }
    let mapping = open.at(-1);
    if (mapping?.column !== column) {
      mapping = { column, firstLine: index, keys: new Map() };
      open.push(mapping);
    }
    if (hasValue(line, KEY.lastIndex)) [skipping, skipDeeperThan] = [true, column];
    const name = unquote(key[1] as string);
    if (name === "<<") continue;
    if (mapping.keys.has(name)) candidates.push({ mapping, line: index, column });
    else mapping.keys.set(name, index);
  }
  return candidates;
}

const SPACE = 32;
const DASH = 45;
const HASH = 35;
const CR = 13;
const TAB = 9;
const AMPERSAND = 38;
const BANG = 33;

/** Whether a value follows on the key's line; anchors, tags and a comment alone do not count (a nested collection follows). */
function hasValue(line: string, from: number): boolean {
  for (let at = spacesFrom(line, from); at < line.length; ) {
    const code = line.charCodeAt(at);
    if (code === HASH || code === CR) return false;
    if (code !== AMPERSAND && code !== BANG) return true;
    while (at < line.length && !isBlankOrEnd(line, at)) at++;
    at = spacesFrom(line, at);
  }
  return false;
}

function spacesFrom(line: string, from: number): number {
  let at = from;
  while (line.charCodeAt(at) === SPACE || line.charCodeAt(at) === TAB) at++;
  return at;
}

function isBlankOrEnd(line: string, at: number): boolean {
  const code = line.charCodeAt(at);
  return at >= line.length || code === SPACE || code === TAB || code === CR;
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

/** A key at column 0 is a top-level key for certain: nothing else may start there in a file Bun parsed. */
function topLevelIssue(candidate: Candidate): WorkflowIssue {
  return { message: DUPLICATE_KEY_MESSAGE, position: { line: candidate.line + 1, column: 1 } };
}

/** The library's strict parse of the mapping alone, its lines at their own columns. */
function confirm(lines: string[], mapping: OpenMapping, budget: { bytes: number }): WorkflowIssue[] {
  const { column, firstLine } = mapping;
  let end = firstLine + 1;
  while (end < lines.length) {
    const line = lines[end] as string;
    const content = line.trim();
    if (content !== "" && !content.startsWith("#") && line.length - line.trimStart().length < column) break;
    end++;
  }
  // The first line's `- ` (and anything before its key) becomes spaces, so columns stay put.
  const first = `${" ".repeat(column)}${(lines[firstLine] as string).slice(column)}`;
  const snippet = [first, ...lines.slice(firstLine + 1, end)].join("\n");
  if (snippet.length > budget.bytes) return [];
  budget.bytes -= snippet.length;
  const yaml = require("yaml") as typeof import("yaml");
  const counter = new yaml.LineCounter();
  const doc = yaml.parseDocument(snippet, { lineCounter: counter, uniqueKeys: true, prettyErrors: false });
  return doc.errors
    .filter((error) => error.code === "DUPLICATE_KEY")
    .map((error) => {
      const { line, col } = counter.linePos(error.pos[0]);
      return { message: DUPLICATE_KEY_MESSAGE, position: { line: firstLine + line, column: col } };
    });
}
