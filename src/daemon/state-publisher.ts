/** Keeps picoflow-daemon.json current: written on demand, coalesced after fires, refreshed on a timer, removed at the end. */
import type { Logger } from "../observability/logger.ts";
import { type DaemonState, removeStateFile, writeStateFile } from "./state-file.ts";

/** How often the state file is rewritten besides after each change (memory, next runs). */
export const STATE_REFRESH_MS = 5000;

export class StatePublisher {
  readonly #path: string;
  readonly #snapshot: () => DaemonState;
  readonly #logger: Logger;
  #refresh: ReturnType<typeof setInterval> | undefined;
  #pending = false;
  #closed = false;

  constructor(path: string, snapshot: () => DaemonState, logger: Logger) {
    this.#path = path;
    this.#snapshot = snapshot;
    this.#logger = logger;
  }

  /** Publishes now and every STATE_REFRESH_MS until `close`. */
  start(): void {
    this.publish();
    this.#refresh = setInterval(() => this.publish(), STATE_REFRESH_MS);
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
    clearInterval(this.#refresh);
    removeStateFile(this.#path, pid);
  }
}
