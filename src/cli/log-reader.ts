/** Reading task log files without loading them whole: the last N lines, then whatever is appended. */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";

/** Read size when walking a file backwards for its last lines. */
const BLOCK_BYTES = 64 * 1024;
const NEWLINE = 0x0a;
const decoder = new TextDecoder();

function openForReading(path: string): number | undefined {
  try {
    return openSync(path, "r");
  } catch {
    return undefined;
  }
}

export interface TailResult {
  lines: string[];
  /** Where the file ended when read: following continues from here. */
  size: number;
}

/** The last `count` lines of a file (a final line without newline counts), or undefined if it cannot be read. */
export function readLastLines(path: string, count: number): TailResult | undefined {
  const fd = openForReading(path);
  if (fd === undefined) return undefined;
  try {
    const size = fstatSync(fd).size;
    if (count === 0 || size === 0) return { lines: [], size };
    const blocks: Buffer[] = [];
    let start = size;
    let newlines = 0;
    // One more newline than lines wanted marks where the first wanted line begins.
    while (start > 0 && newlines <= count) {
      const length = Math.min(BLOCK_BYTES, start);
      start -= length;
      const block = Buffer.alloc(length);
      readSync(fd, block, 0, length, start);
      blocks.unshift(block);
      for (const byte of block) if (byte === NEWLINE) newlines++;
    }
    const text = decoder.decode(Buffer.concat(blocks));
    const lines = text.split("\n");
    if (lines.at(-1) === "") lines.pop();
    return { lines: lines.slice(-count), size };
  } finally {
    closeSync(fd);
  }
}

/**
 * Follows one file from an offset: each `poll` returns the complete lines appended since.
 * A partial last line waits for its newline (or for `flush`), so lines are never split.
 */
export class LogCursor {
  #offset: number;
  #pending: Buffer = Buffer.alloc(0);

  constructor(
    readonly path: string,
    offset = 0,
  ) {
    this.#offset = offset;
  }

  poll(): string[] {
    const fd = openForReading(this.path);
    if (fd === undefined) return [];
    try {
      const size = fstatSync(fd).size;
      // A smaller file was replaced or cut (log cleanup): start again from its beginning.
      if (size < this.#offset) {
        this.#offset = 0;
        this.#pending = Buffer.alloc(0);
      }
      if (size === this.#offset) return [];
      const chunk = Buffer.alloc(size - this.#offset);
      const read = readSync(fd, chunk, 0, chunk.length, this.#offset);
      this.#offset += read;
      const bytes = Buffer.concat([this.#pending, chunk.subarray(0, read)]);
      // A newline byte never occurs inside a multi-byte UTF-8 character, so cutting after it is safe.
      const cut = bytes.lastIndexOf(NEWLINE) + 1;
      this.#pending = bytes.subarray(cut);
      return cut === 0 ? [] : decoder.decode(bytes.subarray(0, cut - 1)).split("\n");
    } finally {
      closeSync(fd);
    }
  }

  /** Whatever partial line is left, once the writer is done. */
  flush(): string[] {
    const rest = this.poll();
    if (this.#pending.length === 0) return rest;
    const last = decoder.decode(this.#pending);
    this.#pending = Buffer.alloc(0);
    return [...rest, last];
  }
}
