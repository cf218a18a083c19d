/**
 * Resolves every setting in one place: command-line flag > PICOFLOW_* environment >
 * picoflow.toml > built-in default.
 */
import { existsSync, readFileSync } from "node:fs";
import { isIP } from "node:net";
import { dirname, join, resolve } from "node:path";
import * as v from "valibot";
import { ConfigError } from "../errors.ts";
import type { BoardPaths } from "../system/board.ts";
import * as d from "./defaults.ts";
import { MAX_DURATION_SECONDS } from "../util/duration.ts";
import { parseDecimalInteger } from "../util/decimal.ts";

export interface GlobalFlags {
  dbPath?: string | undefined;
  logLevel?: string | undefined;
  logFormat?: string | undefined;
}

/** What every workflow inherits when neither task nor workflow says otherwise. */
export interface WorkflowDefaults {
  retries: number;
  timeoutSeconds: number;
  maxTimeoutSeconds: number;
  maxParallel: number;
  initialBackoffMs: number;
  backoffMultiplier: number;
  maxBackoffMs: number;
}

export interface Settings {
  /** Absolute. Logs live in `logs/` beside it. */
  dbPath: string;
  logLevel: d.LogLevel;
  logFormat: d.LogFormat;
  metrics: {
    enabled: boolean;
    port: number;
    bindAddress: string;
    /** Where `run` pushes each run's metrics, if anywhere. */
    pushgatewayUrl: string | undefined;
    /** Where `run` writes picoflow_<workflow>.prom for node_exporter, if anywhere (absolute). */
    textfileDir: string | undefined;
  };
  /** Pages and /api/v1/ on the metrics listener; with a token, every page and API call needs it. */
  dashboard: { enabled: boolean; token: string | undefined };
  workflowDefaults: WorkflowDefaults;
  logs: { retentionDays: number | undefined; maxSizeMb: number | undefined; maxTaskLogBytes: number };
  /** `maxSizeMb`: the database's budget; `outputTailBytes`: how much of each attempt's output it keeps. */
  history: { retentionDays: number | undefined; maxSizeMb: number | undefined; outputTailBytes: number; outputMaxBytes: number };
  /** `daemon stop` and SIGTERM let running tasks finish this long before killing them. */
  daemon: { shutdownGraceSeconds: number; releaseIdleMemory: boolean };
  /** Where the board readers (memory, temperature, load, throttling) look. */
  system: BoardPaths;
  /** When the daemon trusts the wall clock enough to fire schedules (`[daemon] clock_sync`, `[system] clock_synced_file`). */
  clock: { sync: d.ClockSyncMode; syncedFile: string };
  /** How often a task waiting on a closed resource gate is checked again. */
  gates: { pollMs: number };
  /** The picoflow.toml that was read, if any. */
  configFile: string | undefined;
}

/** Seconds a timer waits: bounded, since a timer cannot hold more than MAX_DURATION_SECONDS. */
const atMostTimer = () => v.maxValue<number, number, string>(MAX_DURATION_SECONDS, `must be at most ${MAX_DURATION_SECONDS} seconds`);
const positive = v.pipe(v.number(), v.minValue(0, "must not be negative"), atMostTimer());
const whole = (min: number) => v.pipe(v.number(), v.integer("must be a whole number"), v.minValue(min, `must be at least ${min}`));
const nonEmpty = v.pipe(v.string(), v.nonEmpty("must not be empty"));
const port = v.pipe(whole(0), v.maxValue(65535, "must be at most 65535"));
/** Digits and dots only is meant as an IPv4 address: `999.1.1.1` is a typo, not a host name. */
const bindAddress = v.pipe(
  v.string(),
  v.nonEmpty("must not be empty"),
  v.check((address) => !/^[\d.]+$/.test(address) || isIP(address) === 4, (issue) => `"${String(issue.input)}" is not a valid IPv4 address`),
);

const tomlSchema = v.strictObject({
  db_path: v.optional(v.pipe(v.string(), v.nonEmpty("must not be empty (leave it out for ./picoflow.db)"))),
  log_level: v.optional(v.picklist(d.LOG_LEVELS, `must be one of ${d.LOG_LEVELS.join(", ")}`)),
  log_format: v.optional(v.picklist(d.LOG_FORMATS, `must be one of ${d.LOG_FORMATS.join(", ")}`)),
  metrics: v.optional(
    v.strictObject({
      enabled: v.optional(v.boolean()),
      port: v.optional(port),
      bind_address: v.optional(bindAddress),
      pushgateway_url: v.optional(v.pipe(v.string(), v.check((url) => /^https?:\/\/[^/\s]+/i.test(url) && URL.canParse(url), "must be a full http:// or https:// URL"))),
      textfile_dir: v.optional(v.pipe(v.string(), v.nonEmpty("must not be empty"))),
    }),
  ),
  retry: v.optional(
    v.strictObject({
      default_count: v.optional(whole(0)),
      initial_backoff_seconds: v.optional(positive),
      max_backoff_seconds: v.optional(positive),
      backoff_multiplier: v.optional(v.pipe(v.number(), v.minValue(1, "must be at least 1"))),
    }),
  ),
  timeout: v.optional(
    v.strictObject({ default_seconds: v.optional(v.pipe(whole(1), atMostTimer())), max_seconds: v.optional(v.pipe(whole(1), atMostTimer())) }),
  ),
  execution: v.optional(v.strictObject({ max_parallel: v.optional(whole(1)) })),
  logs: v.optional(
    v.strictObject({
      retention_days: v.optional(whole(1)),
      max_size_mb: v.optional(whole(1)),
      max_task_log_mb: v.optional(whole(1)),
    }),
  ),
  history: v.optional(
    v.strictObject({
      retention_days: v.optional(whole(1)),
      max_size_mb: v.optional(whole(1)),
      output_tail_kb: v.optional(whole(1)),
      output_max_kb: v.optional(whole(1)),
    }),
  ),
  dashboard: v.optional(v.strictObject({ enabled: v.optional(v.boolean()), token: v.optional(v.pipe(v.string(), v.minLength(1, "must not be empty"))) })),
  daemon: v.optional(
    v.strictObject({
      shutdown_grace_seconds: v.optional(v.pipe(whole(0), atMostTimer())),
      release_idle_memory: v.optional(v.boolean()),
      clock_sync: v.optional(v.picklist(d.CLOCK_SYNC_MODES, `must be one of ${d.CLOCK_SYNC_MODES.join(", ")}`)),
    }),
  ),
  gates: v.optional(v.strictObject({ poll_seconds: v.optional(v.pipe(v.number(), v.minValue(0.1, "must be at least 0.1"), atMostTimer())) })),
  system: v.optional(
    v.strictObject({
      meminfo: v.optional(nonEmpty),
      thermal_glob: v.optional(nonEmpty),
      loadavg: v.optional(nonEmpty),
      throttled: v.optional(nonEmpty),
      clock_synced_file: v.optional(nonEmpty),
    }),
  ),
});
type TomlConfig = v.InferOutput<typeof tomlSchema>;

export interface SettingsSources {
  flags: GlobalFlags;
  env: Record<string, string | undefined>;
  /** Folders to look for picoflow.toml in, first match wins (the workflow's folder, then cwd). */
  searchDirs: string[];
  homeDir: string | undefined;
  stderrIsTerminal: boolean;
  /** The level when flag, environment and file say nothing (built-in: info). */
  fallbackLogLevel?: d.LogLevel;
}

/** Finds the config file: picoflow.toml in a search folder, else ~/.config/picoflow/config.toml. */
export function findConfigFile(searchDirs: string[], homeDir: string | undefined): string | undefined {
  const candidates = searchDirs.map((dir) => join(dir, "picoflow.toml"));
  if (homeDir) candidates.push(join(homeDir, ".config", "picoflow", "config.toml"));
  return candidates.find((file) => existsSync(file));
}

function readToml(file: string): TomlConfig {
  let parsed: unknown;
  try {
    parsed = Bun.TOML.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new ConfigError(`${file}: ${(error as Error).message}`, { cause: error });
  }
  const result = v.safeParse(tomlSchema, parsed);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const field = issue.path?.map((item) => String(item.key)).join(".") ?? "";
  const message = issue.type === "strict_object" && issue.expected === "never" ? "unknown setting" : issue.message;
  throw new ConfigError(`${file}: ${field}: ${message}`);
}

function pickFromList<T extends string>(source: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined || value === "") return undefined;
  const lower = value.toLowerCase();
  const match = allowed.find((item) => item === lower);
  if (!match) throw new ConfigError(`${source}: "${value}" is not one of ${allowed.join(", ")}`);
  return match;
}

function portFromEnv(value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const parsed = parseDecimalInteger(value, 0, 65535);
  if (parsed === undefined) throw new ConfigError(`PICOFLOW_METRICS_PORT: "${value}" is not a port number (decimal, 0-65535)`);
  return parsed;
}

export function resolveSettings(sources: SettingsSources): Settings {
  const { flags, env } = sources;
  const configFile = findConfigFile(sources.searchDirs, sources.homeDir);
  const toml: TomlConfig = configFile ? readToml(configFile) : {};
  const tomlDir = configFile ? dirname(configFile) : undefined;

  const dbFromToml = toml.db_path && tomlDir ? resolve(tomlDir, toml.db_path) : undefined;
  const dbPath = resolve(flags.dbPath || env.PICOFLOW_DB_PATH || dbFromToml || d.DEFAULT_DB_FILE);

  const logLevel =
    pickFromList("--log-level", flags.logLevel, d.LOG_LEVELS) ??
    pickFromList("PICOFLOW_LOG_LEVEL", env.PICOFLOW_LOG_LEVEL, d.LOG_LEVELS) ??
    toml.log_level ??
    sources.fallbackLogLevel ??
    d.DEFAULT_LOG_LEVEL;
  const logFormat =
    pickFromList("--log-format", flags.logFormat, d.LOG_FORMATS) ??
    pickFromList("PICOFLOW_LOG_FORMAT", env.PICOFLOW_LOG_FORMAT, d.LOG_FORMATS) ??
    toml.log_format ??
    (sources.stderrIsTerminal ? "pretty" : "json");

  return {
    dbPath,
    logLevel,
    logFormat,
    metrics: {
      enabled: toml.metrics?.enabled ?? true,
      port: portFromEnv(env.PICOFLOW_METRICS_PORT) ?? toml.metrics?.port ?? d.DEFAULT_METRICS_PORT,
      bindAddress: toml.metrics?.bind_address ?? d.DEFAULT_METRICS_BIND_ADDRESS,
      pushgatewayUrl: toml.metrics?.pushgateway_url,
      textfileDir: toml.metrics?.textfile_dir && tomlDir ? resolve(tomlDir, toml.metrics.textfile_dir) : undefined,
    },
    dashboard: {
      enabled: toml.dashboard?.enabled ?? true,
      token: env.PICOFLOW_DASHBOARD_TOKEN || toml.dashboard?.token,
    },
    workflowDefaults: {
      retries: toml.retry?.default_count ?? d.DEFAULT_RETRIES,
      timeoutSeconds: toml.timeout?.default_seconds ?? d.DEFAULT_TIMEOUT_SECONDS,
      maxTimeoutSeconds: toml.timeout?.max_seconds ?? d.DEFAULT_MAX_TIMEOUT_SECONDS,
      maxParallel: toml.execution?.max_parallel ?? d.DEFAULT_MAX_PARALLEL,
      initialBackoffMs: (toml.retry?.initial_backoff_seconds ?? d.DEFAULT_INITIAL_BACKOFF_SECONDS) * 1000,
      backoffMultiplier: toml.retry?.backoff_multiplier ?? d.DEFAULT_BACKOFF_MULTIPLIER,
      maxBackoffMs: (toml.retry?.max_backoff_seconds ?? d.DEFAULT_MAX_BACKOFF_SECONDS) * 1000,
    },
    logs: {
      retentionDays: toml.logs?.retention_days,
      maxSizeMb: toml.logs?.max_size_mb,
      maxTaskLogBytes: (toml.logs?.max_task_log_mb ?? d.DEFAULT_MAX_TASK_LOG_MB) * 1024 * 1024,
    },
    history: {
      retentionDays: toml.history?.retention_days,
      maxSizeMb: toml.history?.max_size_mb,
      outputTailBytes: (toml.history?.output_tail_kb ?? d.DEFAULT_OUTPUT_TAIL_KB) * 1024,
      outputMaxBytes: (toml.history?.output_max_kb ?? d.DEFAULT_OUTPUT_MAX_KB) * 1024,
    },
    daemon: {
      shutdownGraceSeconds: toml.daemon?.shutdown_grace_seconds ?? d.DEFAULT_SHUTDOWN_GRACE_SECONDS,
      releaseIdleMemory: toml.daemon?.release_idle_memory ?? true,
    },
    system: systemPaths(toml.system, tomlDir),
    clock: {
      sync: toml.daemon?.clock_sync ?? d.DEFAULT_CLOCK_SYNC,
      syncedFile: tomlPath(toml.system?.clock_synced_file, d.DEFAULT_CLOCK_SYNCED_FILE, tomlDir),
    },
    gates: { pollMs: (toml.gates?.poll_seconds ?? d.DEFAULT_GATE_POLL_SECONDS) * 1000 },
    configFile,
  };
}

/** A path from picoflow.toml: a relative one is taken from the file's folder, like db_path. */
function tomlPath(value: string | undefined, fallback: string, tomlDir: string | undefined): string {
  return value === undefined ? fallback : tomlDir ? resolve(tomlDir, value) : resolve(value);
}

/** `[system]` paths; a relative one is taken from picoflow.toml's folder, like db_path. */
function systemPaths(system: TomlConfig["system"], tomlDir: string | undefined): BoardPaths {
  const fromToml = (value: string | undefined, fallback: string): string =>
    value === undefined ? fallback : tomlDir ? resolve(tomlDir, value) : resolve(value);
  const defaults = d.DEFAULT_SYSTEM_PATHS;
  return {
    meminfo: fromToml(system?.meminfo, defaults.meminfo),
    thermalGlob: fromToml(system?.thermal_glob, defaults.thermalGlob),
    loadavg: fromToml(system?.loadavg, defaults.loadavg),
    throttled: fromToml(system?.throttled, defaults.throttled),
  };
}
