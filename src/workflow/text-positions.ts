/**
 * Positions in big workflow files without building the `yaml` library's document, which
 * costs about 100x the file's size in memory (a 4 MiB file: over 700 MB). Only the few lines
 * a message points at are looked for, by a scan of the text that knows the shapes workflow
 * files take: block mappings, block sequences of tasks, and one-line flow mappings.
 */
import type { Position } from "../errors.ts";
import type { DocPath } from "./positions.ts";

interface Span {
  /** Offsets into the text: where the value starts and where its region ends. */
  start: number;
  end: number;
  /** The value's key, for `atKey`. */
  keyAt: number;
}

export function textLocator(text: string): (path: DocPath, atKey?: boolean) => Position | undefined {
  const lineStarts = [0];
  for (let index = text.indexOf("\n"); index !== -1; index = text.indexOf("\n", index + 1)) lineStarts.push(index + 1);
  const toPosition = (offset: number): Position => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((lineStarts[mid] as number) <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: offset - (lineStarts[low] as number) + 1 };
  };
  const items: ItemCache = new Map();
  // Every task's lookup starts with `tasks`, whose region is most of the file: find it once.
  const entries = new Map<string, Span | undefined>();
  const cachedEntry = (span: Span, key: string): Span | undefined => {
    const id = `${span.start}:${span.end}:${key}`;
    if (!entries.has(id)) entries.set(id, entry(text, span, key));
    return entries.get(id);
  };
  return (path, atKey = false) => {
    let span: Span = { start: 0, end: text.length, keyAt: 0 };
    for (const [index, segment] of path.entries()) {
      const next = typeof segment === "number" ? item(text, span, segment, items) : cachedEntry(span, segment);
      if (!next) break;
      span = next;
      if (atKey && index === path.length - 1) return toPosition(span.keyAt);
    }
    return toPosition(skipSpaces(text, span.start));
  };
}

/** The offset of the first character at or after `offset` that is not a space or tab (never past the line). */
export function skipSpaces(text: string, offset: number): number {
  let at = offset;
  // Char codes, not one-character strings: the duplicate-key scan calls this on every line of a big file.
  for (let code = text.charCodeAt(at); code === 32 || code === 9; code = text.charCodeAt(at)) at++;
  return at;
}

/** `key:` inside the region, at its shallowest occurrence (a block key at the region's indent, or in a flow mapping). */
function entry(text: string, span: Span, key: string): Span | undefined {
  const pattern = new RegExp(`(^|[\\s{,])(["']?)${escapeRegExp(key)}\\2[ \\t]*:(?=[\\s]|$)`, "gm");
  pattern.lastIndex = span.start;
  const match = pattern.exec(text);
  if (!match || match.index >= span.end) return undefined;
  const keyAt = match.index + (match[1] as string).length;
  const start = match.index + match[0].length;
  return { start, end: regionEnd(text, keyAt, span.end), keyAt };
}

/** The `index`-th item of the sequence starting in the region: `- ` lines at one indent, or `[a, b]` items. */
function item(text: string, span: Span, index: number, items: ItemCache): Span | undefined {
  const start = skipSpaces(text, span.start);
  if (text[start] === "[") return flowItem(text, start, span.end, index);
  const key = `${span.start}:${span.end}`;
  let starts = items.get(key);
  if (!starts) {
    starts = blockItems(text, span);
    items.set(key, starts);
  }
  const at = starts[index];
  if (at === undefined) return undefined;
  return { start: at + 2, end: starts[index + 1] ?? span.end, keyAt: at };
}

/** Where each `- ` item of the region's block sequence starts (they share the first item's indent). */
function blockItems(text: string, span: Span): number[] {
  const first = /^([ \t]*)- /gm;
  first.lastIndex = span.start;
  const found = first.exec(text);
  if (!found || found.index >= span.end) return [];
  const indent = (found[1] as string).length;
  const itemPattern = new RegExp(`^[ \\t]{${indent}}- `, "gm");
  itemPattern.lastIndex = found.index;
  const starts: number[] = [];
  for (let match = itemPattern.exec(text); match && match.index < span.end; match = itemPattern.exec(text)) starts.push(match.index + indent);
  return starts;
}

type ItemCache = Map<string, number[]>;

/** Items of a one-line flow sequence, split at top-level commas. */
function flowItem(text: string, open: number, limit: number, index: number): Span | undefined {
  let depth = 0;
  let count = 0;
  let itemStart = open + 1;
  for (let at = open; at < limit; at++) {
    const char = text[at];
    if (char === "[" || char === "{") depth++;
    else if (char === "]" || char === "}") {
      depth--;
      if (depth === 0) return count === index ? { start: itemStart, end: at, keyAt: itemStart } : undefined;
    } else if (char === "," && depth === 1) {
      if (count === index) return { start: itemStart, end: at, keyAt: itemStart };
      count++;
      itemStart = at + 1;
    }
  }
  return undefined;
}

/** A block key's value runs until the next line indented no deeper than the key. */
function regionEnd(text: string, keyAt: number, limit: number): number {
  const lineStart = text.lastIndexOf("\n", keyAt - 1) + 1;
  const indent = keyAt - lineStart;
  const onlySpacesBefore = text.slice(lineStart, keyAt).trim() === "" || text.slice(lineStart, keyAt).trim() === "-";
  if (!onlySpacesBefore) return Math.min(limit, lineEnd(text, keyAt));
  const after = new RegExp(`^[ \\t]{0,${indent}}[^\\s#]`, "gm");
  after.lastIndex = lineEnd(text, keyAt) + 1;
  const next = after.exec(text);
  return next && next.index < limit ? next.index : limit;
}

function lineEnd(text: string, offset: number): number {
  const end = text.indexOf("\n", offset);
  return end === -1 ? text.length : end;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
