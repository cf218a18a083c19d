/**
 * The daemon's /metrics endpoint. prom-client and the HTTP server are loaded only when
 * `[metrics] enabled` (the default); `enabled = false` opens no port at all.
 */
import type { RunEventListener } from "../engine/events.ts";
import type { DeclaredWorkflow } from "../observability/metrics.ts";
import { PicoflowError } from "../errors.ts";
import { DaemonStartError } from "./errors.ts";

export interface DaemonMetrics {
  onEvent: RunEventListener;
  /** Zero series for every loaded workflow and task: at start and after each reload. */
  declare(workflows: readonly DeclaredWorkflow[]): void;
  /** The address actually bound: port 0 in the settings picks a free port. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function startDaemonMetrics(
  options: { port: number; bindAddress: string },
  version: string,
  startedAt: Date,
): Promise<DaemonMetrics> {
  const [{ createMetrics }, { startMetricsServer }] = await Promise.all([
    import("../observability/metrics.ts"),
    import("../observability/server.ts"),
  ]);
  const metrics = createMetrics({ version, startedAt });
  try {
    const server = startMetricsServer({ port: options.port, bindAddress: options.bindAddress }, metrics);
    return { onEvent: metrics.onEvent, declare: metrics.declare, url: server.url, port: server.port, stop: () => server.stop() };
  } catch (error) {
    if (error instanceof PicoflowError) throw error;
    throw new DaemonStartError(`cannot serve metrics on ${options.bindAddress}:${options.port}: ${(error as Error).message}`, { cause: error });
  }
}
