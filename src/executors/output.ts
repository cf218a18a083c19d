/**
 * Streams an attempt's output to the task's log file (append, capped with a marker) and
 * keeps only a bounded tail of each stream in memory for the database.
 */
import { closeSync, fstatSync, writeSync } from "node:fs";
import { makePrivateDirs, openPrivate } from "../util/private-files.ts";
import { join } from "node:path";
import { fsReason } from "../util/fs-error.ts";
import type { AttemptOutput, OpenAttemptOutput, OutputTails } from "./types.ts";

/** Keeps the last `limit` bytes written, without holding more than about that much. */
export class TailBuffer {
  readonly #chunks: Uint8Array[] = [];
  #size = 0;
  constructor(readonly limit: number) {}

  push(chunk: Uint8Array): void {
    this.#chunks.push(chunk);
    this.#size += chunk.byteLength;
    while (this.#chunks.length > 1 && this.#size - (this.#chunks[0]?.byteLength ?? 0) >= this.limit) {
      this.#size -= this.#chunks.shift()?.byteLength ?? 0;
    }
  }

  text(): string {
    if (this.#size === 0) return "";
    const all = Buffer.concat(this.#chunks);
    const tail = all.byteLength > this.limit ? all.subarray(all.byteLength - this.limit) : all;
    // A cut through a multi-byte character decodes as U+FFFD rather than failing.
    return new TextDecoder().decode(tail);
  }
}

const encoder = new TextEncoder();


export interface LogFileOptions {
  /** This run's folder: logs/<workflow>/<YYYY-MM-DD_HHMMSS>_<short-id>. */
  runDir: string;
  maxFileBytes: number;
  tailBytes: number;
  now: () => Date;
}

export function taskLogPath(runDir: string, task: string): string {
  return join(runDir, `${task}.log`);
}

/**
 * Opens each attempt's output in the task's log file; every attempt of a task appends to one
 * file. Creating files is the slowest part of a tiny task (about 0.5 ms each on ext4, worse on
 * SD cards), so the folder and file appear only once a task prints something or fails: a
 * silent success leaves its record in the database alone.
 */
export function logFileOutputs(options: LogFileOptions): OpenAttemptOutput {
  let madeDir = false;
  let dirFailure: unknown;
  /** The error that kept the folder from existing, if any: the attempt still runs and keeps its tail. */
  const ensureDir = (): unknown => {
    if (madeDir) return dirFailure;
    madeDir = true;
    try {
      // Task output often holds secrets: owner-only folders (logs/, logs/<workflow>/ too) and files.
      makePrivateDirs(options.runDir);
    } catch (error) {
      dirFailure = error;
    }
    return dirFailure;
  };
  return (task) => new LogFileOutput(taskLogPath(options.runDir, task), options, ensureDir);
}

class LogFileOutput implements AttemptOutput {
  /** Undefined until the first output (or a failure) needs the file, and when it cannot be opened. */
  #fd: number | undefined;
  #opened = false;
  #written = 0;
  #truncated = false;
  /** Why the log file could not be created or written (a full disk, a name too long); said once, as a warning. */
  #failure: string | undefined;
  /** Notes written before the file exists, formatted only if it ever does (most never). */
  readonly #pending: { at: Date; text: string }[] = [];
  readonly #stdout: TailBuffer;
  readonly #stderr: TailBuffer;

  constructor(
    private readonly path: string,
    private readonly options: LogFileOptions,
    private readonly ensureDir: () => unknown,
  ) {
    this.#stdout = new TailBuffer(options.tailBytes);
    this.#stderr = new TailBuffer(options.tailBytes);
  }

  write(stream: "stdout" | "stderr", chunk: Uint8Array | string): void {
    const bytes = typeof chunk === "string" ? encoder.encode(chunk) : chunk;
    if (bytes.byteLength === 0) return;
    (stream === "stdout" ? this.#stdout : this.#stderr).push(bytes);
    this.#open();
    this.#append(bytes);
  }

  note(text: string): void {
    if (this.#opened) this.#appendNote(this.options.now(), text);
    else this.#pending.push({ at: this.options.now(), text });
  }

  warn(text: string): void {
    this.note(`warning: ${text}`);
    this.#open();
  }

  close(succeeded: boolean): OutputTails {
    if (!succeeded) this.#open();
    this.#closeFile();
    const tails = { stdoutTail: this.#stdout.text(), stderrTail: this.#stderr.text() };
    return this.#failure === undefined ? tails : { ...tails, warning: this.#failure };
  }

  #closeFile(): void {
    if (this.#fd === undefined) return;
    const fd = this.#fd;
    this.#fd = undefined;
    try {
      closeSync(fd);
    } catch (error) {
      this.#fail("written", error);
    }
  }

  /** The file is given up on: the attempt goes on, its output kept only as the database tail. */
  #fail(what: "created" | "written", error: unknown): void {
    this.#failure ??= `log file ${this.path} could not be ${what}: ${fsReason(error)}; only the last ${this.options.tailBytes} bytes of output are kept, in the database`;
    this.#closeFile();
  }

  #open(): void {
    if (this.#opened) return;
    this.#opened = true;
    const dirFailure = this.ensureDir();
    try {
      if (dirFailure !== undefined) throw dirFailure;
      this.#fd = openPrivate(this.path, "a");
      this.#written = fstatSync(this.#fd).size;
    } catch (error) {
      this.#fail("created", error);
    }
    for (const { at, text } of this.#pending.splice(0)) this.#appendNote(at, text);
  }

  #appendNote(at: Date, text: string): void {
    this.#append(encoder.encode(`[${at.toISOString()}] ${text}\n`), true);
  }

  #append(bytes: Uint8Array, always = false): void {
    if (this.#fd === undefined || (this.#truncated && !always)) return;
    try {
      this.#appendToFile(this.#fd, bytes, always);
    } catch (error) {
      this.#fail("written", error);
    }
  }

  #appendToFile(fd: number, bytes: Uint8Array, always: boolean): void {
    if (!always && this.#written + bytes.byteLength > this.options.maxFileBytes) {
      this.#truncated = true;
      const room = Math.max(0, this.options.maxFileBytes - this.#written);
      writeSync(fd, bytes.subarray(0, room));
      const marker = `\n[... output truncated: log file reached ${this.options.maxFileBytes} bytes; the rest is not saved ...]\n`;
      this.#written += room + writeSync(fd, encoder.encode(marker));
      return;
    }
    this.#written += writeSync(fd, bytes);
  }
}
