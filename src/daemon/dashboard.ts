/**
 * The dashboard as the daemon sees it: refused at start on a non-loopback address without a
 * token, then a fallback for the metrics listener that loads the dashboard's code on the
 * first request (an unwatched daemon never loads it) once the daemon has attached itself.
 */
import type { Settings } from "../config/settings.ts";
import type { DashboardHandler } from "../dashboard/handler.ts";
import type { DashboardHost } from "../dashboard/host.ts";
import { isApiPath, jsonError, textResponse } from "../dashboard/responses.ts";
import { DaemonStartError } from "./errors.ts";

/** A secret of the daemon: never passed on to a task (src/util/control-variables.ts). */
export const DASHBOARD_TOKEN_VARIABLE = "PICOFLOW_DASHBOARD_TOKEN";

export interface LazyDashboard {
  fallback(request: Request): Promise<Response>;
  /** From here on requests are served with this host; until then they get a 503. */
  attach(host: DashboardHost): void;
}

/** 127.0.0.0/8, ::1 and the name localhost: reachable from this machine only. */
export function isLoopback(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, "").toLowerCase();
  return bare === "localhost" || bare === "::1" || /^127(\.\d{1,3}){3}$/.test(bare) || /^::ffff:127(\.\d{1,3}){3}$/.test(bare);
}

/** Throws when the dashboard would be open to the network without a token. */
export function checkDashboardExposure(settings: Settings): void {
  const { metrics, dashboard } = settings;
  if (!metrics.enabled || !dashboard.enabled || dashboard.token !== undefined || isLoopback(metrics.bindAddress)) return;
  throw new DaemonStartError(
    `refusing to serve the dashboard on ${metrics.bindAddress} without a token: anyone on the network could run workflows. ` +
      "Set [dashboard] token (or PICOFLOW_DASHBOARD_TOKEN), bind [metrics] bind_address to 127.0.0.1, or set [dashboard] enabled = false",
  );
}

/** The few milliseconds between the listener opening and the daemon attaching itself. */
function notYetServing(request: Request): Response {
  const message = "the daemon is still starting; try again in a second";
  const response = isApiPath(new URL(request.url).pathname) ? jsonError(503, message) : textResponse(`${message}\n`, 503);
  response.headers.set("retry-after", "1");
  return response;
}

export function lazyDashboard(token: string | undefined): LazyDashboard {
  let host: DashboardHost | undefined;
  let handler: Promise<DashboardHandler> | undefined;
  return {
    attach(attached) {
      host = attached;
    },
    async fallback(request) {
      if (!host) return notYetServing(request);
      const ready = host;
      handler ??= import("../dashboard/handler.ts").then(({ createDashboard }) => createDashboard(ready, { token }));
      return (await handler)(request);
    },
  };
}
