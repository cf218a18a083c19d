/**
 * The HTTP endpoint Prometheus scrapes: GET /metrics (text exposition) and GET /health.
 * Bun.serve, no framework; everything else goes to the fallback (the dashboard) or is a 404.
 */
import { ListenError } from "../errors.ts";
import type { Metrics } from "./metrics.ts";

export interface MetricsServerOptions {
  /** 0 picks a free port; the chosen one is in the result. */
  port: number;
  bindAddress: string;
  /** Everything besides /metrics and /health (the dashboard); without it those are 404s. */
  fallback?: ((request: Request) => Promise<Response>) | undefined;
}

export interface MetricsServer {
  /** The port actually bound. */
  port: number;
  /** The full /metrics address, e.g. http://127.0.0.1:9090/metrics. */
  url: string;
  /** Closes the listener and any open connections. */
  stop(): Promise<void>;
}

export const METRICS_PATH = "/metrics";
export const HEALTH_PATH = "/health";
const TEXT = "text/plain; charset=utf-8";

const PORT_HINT = "choose another with [metrics] port or PICOFLOW_METRICS_PORT";
/** Why a listen failed and what to change, in words a user can act on, keyed by the system's error code. */
const LISTEN_FAILURES: Record<string, string> = {
  EADDRINUSE: `the port is already in use (another program, or a second daemon); ${PORT_HINT}`,
  EACCES: `permission denied (ports below 1024 need privileges); ${PORT_HINT}`,
  EADDRNOTAVAIL: "the address is not one of this machine's; check [metrics] bind_address",
  // Bun's listen reports a host name it cannot resolve as ENOENT.
  ENOENT: "no such address: neither an IP address nor a host name this machine resolves; check [metrics] bind_address",
};

/** Starts serving `metrics`; throws ListenError (exit code 2) when the address cannot be bound. */
export function startMetricsServer(options: MetricsServerOptions, metrics: Metrics): MetricsServer {
  let server: Bun.Server<undefined>;
  try {
    server = Bun.serve({
      port: options.port,
      hostname: options.bindAddress,
      // Without this a second daemon could share the port and split the scrapes between them.
      reusePort: false,
      development: false,
      fetch: (request) => respond(request, metrics, options.fallback),
      error: () => new Response("internal error\n", { status: 500, headers: { "content-type": TEXT } }),
    });
  } catch (error) {
    throw listenError(options, error);
  }
  const port = server.port ?? options.port;
  return {
    port,
    url: new URL(METRICS_PATH, `http://${hostPort(options.bindAddress, port)}`).href,
    // Closing active connections too: a scraper's keep-alive connection must not hold up shutdown.
    stop: () => server.stop(true),
  };
}

async function respond(request: Request, metrics: Metrics, fallback: MetricsServerOptions["fallback"]): Promise<Response> {
  const readOnly = request.method === "GET" || request.method === "HEAD";
  const { pathname } = new URL(request.url);
  if (readOnly && pathname === METRICS_PATH) {
    try {
      return new Response(await metrics.render(), { headers: { "content-type": metrics.contentType } });
    } catch (error) {
      // A failing collect() must cost one scrape, not the server.
      return new Response(`cannot collect metrics: ${(error as Error).message}\n`, { status: 500, headers: { "content-type": TEXT } });
    }
  }
  if (readOnly && pathname === HEALTH_PATH) return new Response("ok\n", { headers: { "content-type": TEXT } });
  if (fallback) return fallback(request);
  return new Response("not found\n", { status: 404, headers: { "content-type": TEXT } });
}

function listenError(options: MetricsServerOptions, error: unknown): ListenError {
  const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : undefined;
  const reason = (code && LISTEN_FAILURES[code]) ?? (error instanceof Error ? error.message : String(error));
  const where = hostPort(options.bindAddress, options.port);
  return new ListenError(`cannot serve metrics on ${where}: ${reason}`, options.bindAddress, options.port, code, { cause: error });
}

/** `host:port`, with an IPv6 address in brackets so the port stays unambiguous. */
function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
