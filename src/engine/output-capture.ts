/** Keeps an attempt's stdout for `output: true`, up to a cap, while it still streams to the log file. */
import type { AttemptOutput, OutputTails } from "../executors/types.ts";

const encoder = new TextEncoder();

export class OutputCapture implements AttemptOutput {
  readonly #inner: AttemptOutput;
  readonly #maxBytes: number;
  readonly #onOverflow: () => void;
  readonly #chunks: Uint8Array[] = [];
  #size = 0;
  #overflowed = false;

  /** `onOverflow` is called once, when stdout passes `maxBytes` (the attempt is then cut off). */
  constructor(inner: AttemptOutput, maxBytes: number, onOverflow: () => void) {
    this.#inner = inner;
    this.#maxBytes = maxBytes;
    this.#onOverflow = onOverflow;
  }

  get overflowed(): boolean {
    return this.#overflowed;
  }

  write(stream: "stdout" | "stderr", chunk: Uint8Array | string): void {
    this.#inner.write(stream, chunk);
    if (stream !== "stdout" || this.#overflowed) return;
    const bytes = typeof chunk === "string" ? encoder.encode(chunk) : chunk;
    this.#size += bytes.byteLength;
    if (this.#size > this.#maxBytes) {
      this.#overflowed = true;
      this.#chunks.length = 0;
      this.#onOverflow();
      return;
    }
    // Copied: a stream may reuse its buffer for the next chunk.
    this.#chunks.push(bytes.slice());
  }

  note(text: string): void {
    this.#inner.note(text);
  }

  warn(text: string): void {
    this.#inner.warn(text);
  }

  close(succeeded: boolean): OutputTails {
    return this.#inner.close(succeeded);
  }

  /** The kept stdout as text, one trailing newline trimmed. */
  text(): string {
    return new TextDecoder().decode(Buffer.concat(this.#chunks)).replace(/\r?\n$/, "");
  }
}
