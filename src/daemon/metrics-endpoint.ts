/**
 * The daemon's /metrics endpoint. prom-client and the HTTP server are loaded only when
 * `[metrics] enabled` (the default); `enabled = false` opens no port at all.
 */
import type { RunEventListener } from "../engine/events.ts";
import type { DeclaredWorkflow } from "../observability/metrics.ts";
import { PicoflowError } from "../errors.ts";
import type { HealthSources } from "../system/health.ts";
import { DaemonStartError } from "./errors.ts";

export interface DaemonMetrics {
  onEvent: RunEventListener;
  /** Zero series for every loaded workflow and task: at start and after each reload. */
  declare(workflows: readonly DeclaredWorkflow[]): void;
  /** The address actually bound: port 0 in the settings picks a free port. */
  url: string;
  port: number;
  /** Called after each scrape or dashboard request has been answered (one listener; the idle memory release). */
  onServed(listener: () => void): void;
  stop(): Promise<void>;
}

export async function startDaemonMetrics(
  options: { port: number; bindAddress: string },
  version: string,
  startedAt: Date,
  /** Serves every other path on the same listener (the dashboard). */
  fallback?: ((request: Request) => Promise<Response>) | undefined,
  /** Board, database and logs readings for the health gauges. */
  health?: HealthSources,
): Promise<DaemonMetrics> {
  const [{ createMetrics }, { startMetricsServer }] = await Promise.all([
    import("../observability/metrics.ts"),
    import("../observability/server.ts"),
  ]);
  const metrics = createMetrics({ version, startedAt, ...(health ? { health } : {}) });
  let served = () => undefined as void;
  const render = () => metrics.render().finally(() => served());
  const others = fallback && ((request: Request) => fallback(request).finally(() => served()));
  try {
    const server = startMetricsServer({ port: options.port, bindAddress: options.bindAddress, fallback: others }, { ...metrics, render });
    return {
      onEvent: metrics.onEvent,
      declare: metrics.declare,
      url: server.url,
      port: server.port,
      onServed: (listener) => {
        served = listener;
      },
      stop: () => server.stop(),
    };
  } catch (error) {
    if (error instanceof PicoflowError) throw error;
    throw new DaemonStartError(`cannot serve metrics on ${options.bindAddress}:${options.port}: ${(error as Error).message}`, { cause: error });
  }
}
