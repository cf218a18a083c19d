/**
 * Gives the executable's clean pages back to the kernel when the daemon idles: a quiet
 * period after start-up, after each execution and after each scrape, with nothing running.
 * Most of an idle daemon's resident set is code it ran once (start-up, the last execution);
 * the next fire maps back only the pages it touches, from the page cache.
 */
import type { Logger } from "../observability/logger.ts";
import { readMemory } from "./memory.ts";
import { openPageRelease, type PageRelease } from "./page-release.ts";

/**
 * Long enough that a burst (fires of the same second, a scrape's follow-ups) is over; short,
 * because the pages an execution touched stay resident until then (1 s instead of 2 s took the
 * average with a 5-second schedule from 35.7 to 32.8 MB; bench/README.md).
 */
export const QUIET_PERIOD_MS = 1000;
const KIB = 1024;

export interface IdleMemoryOptions {
  /** `[daemon] release_idle_memory`. */
  enabled: boolean;
  logger: Logger;
  /** True while an execution runs: its pages are in use, and it will report its end. */
  busy: () => boolean;
  quietMs?: number;
}

export class IdleMemoryRelease {
  readonly #o: IdleMemoryOptions;
  #pages: PageRelease | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  constructor(options: IdleMemoryOptions) {
    this.#o = options;
  }

  /** Checks support once (one debug line when there is none), then counts start-up as activity. */
  async start(): Promise<void> {
    if (!this.#o.enabled) return;
    const support = await openPageRelease();
    if (support.kind === "unsupported") {
      this.#o.logger.debug({ reason: support.reason }, "idle memory release unsupported here; skipped");
      return;
    }
    this.#pages = support.pages;
    this.activity();
  }

  /** Something happened: the release waits for a full quiet period from now. */
  activity(): void {
    if (!this.#pages || this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#release(), this.#o.quietMs ?? QUIET_PERIOD_MS);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #release(): void {
    this.#timer = undefined;
    if (!this.#pages || this.#stopped || this.#o.busy()) return;
    const before = readMemory()?.rssBytes;
    const startedAt = performance.now();
    let released: { mappings: number; kb: number };
    try {
      released = this.#pages.release();
    } catch (error) {
      this.#o.logger.debug({ err: error }, "idle memory release failed; skipped");
      return;
    }
    const after = readMemory()?.rssBytes;
    this.#o.logger.debug(
      {
        mappings: released.mappings,
        released_kb: released.kb,
        rss_before_kb: kib(before),
        rss_after_kb: kib(after),
        took_ms: Math.round((performance.now() - startedAt) * 10) / 10,
      },
      "released idle memory",
    );
  }
}

const kib = (bytes: number | undefined) => (bytes === undefined ? undefined : Math.round(bytes / KIB));
