/**
 * Keeps picoflow-daemon.json current: written when something in it changes (coalesced after
 * fires), removed at the end. Never on a timer: the file sits beside the database, often on an
 * SD card, and a rewrite every few seconds would be ~17,000 writes a day for nothing (readers
 * take the live figures, such as memory, from the process itself).
 */
import type { Logger } from "../observability/logger.ts";
import { type DaemonState, removeStateFile, writeStateFile } from "./state-file.ts";

export class StatePublisher {
  readonly #path: string;
  readonly #snapshot: () => DaemonState;
  readonly #logger: Logger;
  #pending = false;
  #closed = false;

  constructor(path: string, snapshot: () => DaemonState, logger: Logger) {
    this.#path = path;
    this.#snapshot = snapshot;
    this.#logger = logger;
  }

  start(): void {
    this.publish();
  }

  publish(): void {
    if (this.#closed) return;
    try {
      writeStateFile(this.#path, this.#snapshot());
    } catch (error) {
      this.#logger.warn({ err: error, state_file: this.#path }, "could not write the daemon state file");
    }
  }

  /** One write for several changes in the same turn of the event loop, after they are all done. */
  publishSoon(): void {
    if (this.#pending || this.#closed) return;
    this.#pending = true;
    setTimeout(() => {
      this.#pending = false;
      this.publish();
    }, 0);
  }

  /** Stops publishing and removes the file (if it is still ours). */
  close(pid: number): void {
    this.#closed = true;
    removeStateFile(this.#path, pid);
  }
}
