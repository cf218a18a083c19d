/**
 * Metrics of one `picoflow run` (or `run --resume`), for machines where no daemon is scraped:
 * pushed to a Prometheus Pushgateway (`[metrics] pushgateway_url`) and/or written for
 * node_exporter's textfile collector (`[metrics] textfile_dir`). Same names as the daemon's
 * metrics; the values describe that one run. Neither can fail the run: problems are warnings.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type * as PromClient from "prom-client";
import type { RunEventListener } from "../engine/events.ts";
import type { Logger } from "./logger.ts";
import { createMetrics } from "./metrics.ts";

/** The Pushgateway job every PicoFlow run is grouped under (with the workflow as a second key). */
export const PUSH_JOB = "picoflow";
/** A Pushgateway that does not answer must not hold up the end of a run for long. */
const PUSH_TIMEOUT_MS = 10_000;

export interface RunExportTargets {
  pushgatewayUrl: string | undefined;
  textfileDir: string | undefined;
}

export interface RunExport {
  onEvent: RunEventListener;
  /** Pushes and/or writes the run's metrics; logs a warning for each target that fails. */
  finish(logger: Logger): Promise<void>;
}

/** node_exporter reads only files ending in .prom; the workflow name is a safe file name. */
export function textfileName(workflow: string): string {
  return `picoflow_${workflow}.prom`;
}

/** Undefined when neither target is set: the run then loads none of prom-client. */
export function createRunExport(targets: RunExportTargets, workflow: { name: string; tasks: readonly { name: string }[] }, version: string): RunExport | undefined {
  if (targets.pushgatewayUrl === undefined && targets.textfileDir === undefined) return undefined;
  const metrics = createMetrics({ version, startedAt: new Date(), runOnly: true });
  metrics.declare([workflow]);
  return {
    onEvent: metrics.onEvent,
    async finish(logger) {
      const fields = { workflow: workflow.name };
      if (targets.textfileDir !== undefined) {
        const dir = targets.textfileDir;
        try {
          writeAtomically(dir, textfileName(workflow.name), await metrics.render());
        } catch (error) {
          logger.warn({ ...fields, textfile_dir: dir, error: (error as Error).message }, "could not write the run's metrics for node_exporter; the run's result is unaffected");
        }
      }
      if (targets.pushgatewayUrl !== undefined) {
        const url = targets.pushgatewayUrl;
        try {
          await push(url, metrics.registry, workflow.name);
        } catch (error) {
          logger.warn({ ...fields, pushgateway_url: url, error: (error as Error).message }, "could not push the run's metrics to the Pushgateway; the run's result is unaffected");
        }
      }
    },
  };
}

/** PUT: the workflow's group on the Pushgateway is replaced by this run's metrics. */
async function push(url: string, registry: PromClient.Registry, workflow: string): Promise<void> {
  // Loaded only here: its module pulls in node:http, https and zlib.
  const Pushgateway: typeof PromClient.Pushgateway = require("prom-client/lib/pushgateway");
  const gateway = new Pushgateway(url, { timeout: PUSH_TIMEOUT_MS }, registry);
  await gateway.push({ jobName: PUSH_JOB, groupings: { workflow } });
}

/** Written beside its final name and renamed over it, so node_exporter never reads half a file. */
function writeAtomically(dir: string, name: string, text: string): void {
  mkdirSync(dir, { recursive: true });
  const temporary = join(dir, `.${name}.${process.pid}.tmp`);
  try {
    writeFileSync(temporary, text, { mode: 0o644 });
    renameSync(temporary, join(dir, name));
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
