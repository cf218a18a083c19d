/**
 * The board's and the disk's health as gauges, read when Prometheus scrapes (prom-client's
 * collect()). A reading this machine does not have, or cannot parse, is simply no series:
 * alert on `absent(...)` if it should be there.
 */
import type * as PromClient from "prom-client";
import type { Health, HealthSources } from "../system/health.ts";
import { readHealth } from "../system/health.ts";
import { valueOf } from "../system/reading.ts";
import { readLogsBytes } from "../system/storage.ts";
import { THROTTLE_FLAGS } from "../system/throttled.ts";

const Gauge: typeof PromClient.Gauge = require("prom-client/lib/gauge");

/** Walking logs/ costs a stat per file: at most once this often, however often the scrapes. */
const LOGS_SIZE_MAX_AGE_MS = 60_000;

type GaugeOf = PromClient.Gauge<string>;

/** Registers the health gauges; every scrape reads the board (and, at most once a minute, logs/). */
export function registerHealthMetrics(registry: PromClient.Registry, sources: HealthSources): void {
  const registers = [registry];
  const snapshot = scrapeSnapshot(sources);
  const gauge = (name: string, help: string, pick: (health: Health) => number | undefined) =>
    new Gauge({
      name,
      help,
      registers,
      async collect(this: GaugeOf) {
        const value = pick(await snapshot());
        // remove(): an unlabelled gauge would otherwise print 0, a false reading.
        if (value === undefined) this.remove();
        else this.set(value);
      },
    });
  gauge("picoflow_system_temperature_celsius", "Temperature of the hottest thermal zone", (health) => valueOf(health.temperature)?.celsius);
  gauge("picoflow_system_memory_available_bytes", "Memory available to new work (MemAvailable)", (health) => valueOf(health.memoryAvailableBytes));
  gauge("picoflow_system_load1", "1-minute load average", (health) => valueOf(health.load1));
  gauge("picoflow_disk_free_bytes", "Free space on the file system of the history database", (health) => valueOf(health.diskFreeBytes));
  gauge("picoflow_history_db_bytes", "Size of the history database and its write-ahead log", (health) => valueOf(health.historyDbBytes));
  gauge("picoflow_logs_bytes", "Size of the task log folder", (health) => valueOf(health.logsBytes));
  new Gauge({
    name: "picoflow_system_throttled",
    help: "Raspberry Pi firmware throttling flags (1 = set), now and since boot",
    labelNames: ["flag", "when"] as const,
    registers,
    async collect(this: PromClient.Gauge<"flag" | "when">) {
      this.reset();
      const flags = valueOf((await snapshot()).throttled);
      if (!flags) return;
      for (const flag of THROTTLE_FLAGS) {
        this.set({ flag, when: "now" }, flags[flag].now ? 1 : 0);
        this.set({ flag, when: "since_boot" }, flags[flag].sinceBoot ? 1 : 0);
      }
    },
  });
}

/** All the gauges' collect() calls of one scrape share one reading. */
const SAME_SCRAPE_MS = 1000;

function scrapeSnapshot(sources: HealthSources): () => Promise<Health> {
  const logsBytes = cachedFor(LOGS_SIZE_MAX_AGE_MS, () => readLogsBytes(sources.logsDir));
  return cachedFor(SAME_SCRAPE_MS, () => readHealth(sources, logsBytes));
}

/** The last result of `read` while younger than `maxAgeMs` (by the monotonic clock). */
function cachedFor<T>(maxAgeMs: number, read: () => Promise<T>): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined;
  return () => {
    const now = performance.now();
    if (!last || now - last.at >= maxAgeMs) last = { at: now, value: read() };
    return last.value;
  };
}
