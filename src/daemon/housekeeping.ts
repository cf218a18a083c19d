/** Runs the retention policy at start and then every RETENTION_INTERVAL_MS, one pass at a time. */
import type { Logger } from "../observability/logger.ts";
import type { Store } from "../store/types.ts";
import { enforceRetention, RETENTION_INTERVAL_MS, type RetentionPolicy } from "./retention.ts";

export class Housekeeper {
  readonly #store: Pick<Store, "pruneHistory">;
  readonly #logsDir: string;
  readonly #policy: RetentionPolicy;
  readonly #inUse: (path: string) => boolean;
  readonly #logger: Logger;
  #timer: ReturnType<typeof setInterval> | undefined;
  #pass: Promise<void> = Promise.resolve();

  constructor(store: Pick<Store, "pruneHistory">, logsDir: string, policy: RetentionPolicy, inUse: (path: string) => boolean, logger: Logger) {
    this.#store = store;
    this.#logsDir = logsDir;
    this.#policy = policy;
    this.#inUse = inUse;
    this.#logger = logger;
  }

  /** Nothing to do (and no timer) when no retention setting is given. */
  start(): void {
    if (Object.values(this.#policy).every((value) => value === undefined)) return;
    this.#run();
    this.#timer = setInterval(() => this.#run(), RETENTION_INTERVAL_MS);
  }

  /** Stops the timer and waits for a pass in progress, so the database can be closed after. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#pass;
  }

  #run(): void {
    this.#pass = this.#pass.then(async () => {
      try {
        const report = await enforceRetention(this.#store, this.#logsDir, this.#policy, new Date(), this.#inUse);
        this.#logger.info({ ...report, ...this.#policy }, "retention applied");
      } catch (error) {
        this.#logger.error({ err: error }, "retention failed");
      }
    });
  }
}
