/**
 * Talks to systemd when it started us with Type=notify: READY=1 once the schedules are armed,
 * STATUS= lines, WATCHDOG=1 pings from the event loop (a stalled loop stops them and systemd
 * restarts the service), RELOADING=1 around SIGHUP and STOPPING=1 on shutdown. Without
 * NOTIFY_SOCKET every call does nothing, and no FFI library is even opened.
 */
import { ConfigError } from "../errors.ts";
import type { Logger } from "../observability/logger.ts";
import { type UnixAddress, unixAddress } from "../platform/unix-address.ts";
import type { DatagramSender } from "../platform/unix-datagram.ts";

/** The variables systemd sets for the main process; tasks should not inherit them. */
export const SERVICE_MANAGER_VARIABLES = ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] as const;

export interface ServiceManager {
  /** Schedules armed: the service is up. */
  ready(status: string): void;
  /** What the daemon is doing, as `systemctl status` shows it. */
  status(text: string): void;
  reloading(): void;
  stopping(status: string): void;
  close(): void;
}

export interface ServiceManagerConfig {
  socket: UnixAddress;
  socketName: string;
  /** Ping interval: half of WATCHDOG_USEC, as sd_watchdog_enabled(3) advises. Undefined: no watchdog. */
  watchdogIntervalMs: number | undefined;
}

const USEC_PER_MS = 1000;

/** Reads NOTIFY_SOCKET / WATCHDOG_USEC / WATCHDOG_PID; undefined when not run by systemd with notify. */
export function serviceManagerConfig(env: Readonly<Record<string, string | undefined>>, pid: number): ServiceManagerConfig | undefined {
  const socketName = env.NOTIFY_SOCKET;
  if (!socketName) return undefined;
  const socket = unixAddress(socketName);
  if (typeof socket === "string") throw new ConfigError(`NOTIFY_SOCKET: "${socketName}" ${socket}`);
  return { socket, socketName, watchdogIntervalMs: watchdogInterval(env, pid) };
}

function watchdogInterval(env: Readonly<Record<string, string | undefined>>, pid: number): number | undefined {
  const usec = env.WATCHDOG_USEC;
  if (!usec) return undefined;
  if (!/^\d+$/.test(usec) || Number(usec) === 0) throw new ConfigError(`WATCHDOG_USEC: "${usec}" is not a positive number of microseconds`);
  // The watchdog is meant for another process (we were started by one that was supervised).
  if (env.WATCHDOG_PID && env.WATCHDOG_PID !== String(pid)) return undefined;
  return Math.max(1, Math.floor(Number(usec) / USEC_PER_MS / 2));
}

const SILENT: ServiceManager = { ready() {}, status() {}, reloading() {}, stopping() {}, close() {} };

/** A manager for this process: silent without NOTIFY_SOCKET, else a datagram sender and watchdog. */
export async function connectServiceManager(config: ServiceManagerConfig | undefined, logger: Logger): Promise<ServiceManager> {
  if (!config) return SILENT;
  // Lazily: a daemon not run by systemd never loads bun:ffi.
  const { openDatagramSender } = await import("../platform/unix-datagram.ts");
  return new NotifySocketManager(openDatagramSender(config.socket), config, logger);
}

class NotifySocketManager implements ServiceManager {
  readonly #sender: DatagramSender;
  readonly #config: ServiceManagerConfig;
  readonly #logger: Logger;
  #watchdog: ReturnType<typeof setInterval> | undefined;
  #warned = false;
  #lastStatus = "";

  constructor(sender: DatagramSender, config: ServiceManagerConfig, logger: Logger) {
    this.#sender = sender;
    this.#config = config;
    this.#logger = logger;
  }

  ready(status: string): void {
    this.#send(`READY=1\nSTATUS=${oneLine(status)}\nMAINPID=${process.pid}`);
    this.#lastStatus = status;
    this.#startWatchdog();
  }

  status(text: string): void {
    if (text === this.#lastStatus) return;
    this.#lastStatus = text;
    this.#send(`STATUS=${oneLine(text)}`);
  }

  reloading(): void {
    this.#send("RELOADING=1\nSTATUS=reloading workflow files");
    this.#lastStatus = "";
  }

  stopping(status: string): void {
    this.#lastStatus = status;
    this.#send(`STOPPING=1\nSTATUS=${oneLine(status)}`);
  }

  close(): void {
    if (this.#watchdog) clearInterval(this.#watchdog);
    this.#watchdog = undefined;
    this.#sender.close();
  }

  #startWatchdog(): void {
    const interval = this.#config.watchdogIntervalMs;
    if (interval === undefined || this.#watchdog) return;
    this.#send("WATCHDOG=1");
    // From the event loop on purpose: if it stalls, the pings stop and systemd restarts us.
    this.#watchdog = setInterval(() => this.#send("WATCHDOG=1"), interval);
    this.#watchdog.unref();
  }

  #send(message: string): void {
    const result = this.#sender.send(message);
    if (result.ok) {
      this.#warned = false;
      return;
    }
    // Once per outage: a watchdog ping every few seconds must not flood the log.
    if (this.#warned) return;
    this.#warned = true;
    this.#logger.warn({ notify_socket: this.#config.socketName, errno: result.errno }, "could not notify systemd through NOTIFY_SOCKET");
  }
}

/** STATUS= ends at the line's end: keep a message on one line. */
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, "; ");
}
