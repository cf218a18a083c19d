/** Built-in defaults: the last layer under flags, environment and picoflow.toml. */
export const DEFAULT_DB_FILE = "picoflow.db";
export const DEFAULT_LOG_LEVEL = "info";
export const DEFAULT_RETRIES = 0;
export const DEFAULT_TIMEOUT_SECONDS = 300;
export const DEFAULT_MAX_TIMEOUT_SECONDS = 24 * 60 * 60;
export const DEFAULT_MAX_PARALLEL = 10;
export const DEFAULT_INITIAL_BACKOFF_SECONDS = 1;
export const DEFAULT_BACKOFF_MULTIPLIER = 2;
export const DEFAULT_MAX_BACKOFF_SECONDS = 300;
export const DEFAULT_METRICS_PORT = 9090;
/** How long a stopping daemon lets running tasks finish before it kills them. */
export const DEFAULT_SHUTDOWN_GRACE_SECONDS = 30;
export const DEFAULT_METRICS_BIND_ADDRESS = "127.0.0.1";
export const DEFAULT_HTTP_TIMEOUT_SECONDS = 30;
export const DEFAULT_SSH_PORT = 22;
export const DEFAULT_SSH_CONNECT_TIMEOUT_SECONDS = 30;
/** A task's log file stops growing here (a marker says so); the database keeps only a tail. */
export const DEFAULT_MAX_TASK_LOG_MB = 10;
/** How much of each attempt's stdout and stderr the database keeps (`[history] output_tail_kb`). */
export const DEFAULT_OUTPUT_TAIL_KB = 64;
export const OUTPUT_TAIL_BYTES = DEFAULT_OUTPUT_TAIL_KB * 1024;
/** Where the board readers look on Linux and on a Raspberry Pi (`[system]` moves them). */
export const DEFAULT_SYSTEM_PATHS = {
  meminfo: "/proc/meminfo",
  thermalGlob: "/sys/class/thermal/thermal_zone*/temp",
  loadavg: "/proc/loadavg",
  throttled: "/sys/devices/platform/soc/soc:firmware/get_throttled",
} as const;
/** A task's published output (`output: true`) may be at most this big; more fails the attempt. */
export const DEFAULT_OUTPUT_MAX_KB = 64;

export const LOG_LEVELS = ["error", "warn", "info", "debug", "trace"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ["json", "pretty"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
/** Fire times a restarted daemon catches up only this far back, unless `catchup_window` says. */
export const DEFAULT_CATCHUP_WINDOW_SECONDS = 24 * 60 * 60;
export const DEFAULT_CATCHUP_MODE: "none" | "latest" | "all" = "latest";
/** `min_free_disk_mb` checks this filesystem unless `disk_path` says. */
export const DEFAULT_GATE_DISK_PATH = "/";
/** How often a task waiting on a closed gate is checked again (`[gates] poll_seconds`). */
export const DEFAULT_GATE_POLL_SECONDS = 5;
/** `[daemon] clock_sync`: auto waits only when an indicator says the clock is wrong, wait requires one to say it is right. */
export const CLOCK_SYNC_MODES = ["auto", "wait", "ignore"] as const;
export type ClockSyncMode = (typeof CLOCK_SYNC_MODES)[number];
export const DEFAULT_CLOCK_SYNC: ClockSyncMode = "auto";
/** systemd-timesyncd creates this file once it has synchronised the clock. */
export const DEFAULT_CLOCK_SYNCED_FILE = "/run/systemd/timesync/synchronized";
