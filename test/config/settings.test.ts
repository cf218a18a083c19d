import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { attachNegativeValues, extractGlobalFlags } from "../../src/cli/global-flags.ts";
import { formatDuration } from "../../src/cli/format.ts";
import { resolveSettings, type SettingsSources } from "../../src/config/settings.ts";
import { ConfigError, UsageError } from "../../src/errors.ts";
import { tempDir } from "../helpers/cli.ts";

let folder: ReturnType<typeof tempDir>;
beforeEach(() => {
  folder = tempDir();
});
afterEach(() => folder.cleanup());

const sources = (overrides: Partial<SettingsSources> = {}): SettingsSources => ({
  flags: {},
  env: {},
  searchDirs: [folder.dir],
  homeDir: join(folder.dir, "home"),
  stderrIsTerminal: false,
  ...overrides,
});

describe("settings", () => {
  test("built-in defaults", () => {
    const settings = resolveSettings(sources());
    expect(settings.dbPath).toBe(join(process.cwd(), "picoflow.db"));
    expect(settings.logLevel).toBe("info");
    expect(settings.logFormat).toBe("json");
    expect(settings.workflowDefaults).toEqual({
      retries: 0,
      timeoutSeconds: 300,
      maxTimeoutSeconds: 86_400,
      maxParallel: 10,
      initialBackoffMs: 1000,
      backoffMultiplier: 2,
      maxBackoffMs: 300_000,
    });
    expect(settings.metrics).toEqual({ enabled: true, port: 9090, bindAddress: "127.0.0.1", pushgatewayUrl: undefined, textfileDir: undefined });
    expect(settings.daemon).toEqual({ shutdownGraceSeconds: 30, releaseIdleMemory: true });
    expect(resolveSettings(sources({ stderrIsTerminal: true })).logFormat).toBe("pretty");
  });

  test("[daemon] release_idle_memory turns the idle page release off; a non-boolean is a one-line error", () => {
    writeFileSync(join(folder.dir, "picoflow.toml"), "[daemon]\nrelease_idle_memory = false\n");
    expect(resolveSettings(sources()).daemon.releaseIdleMemory).toBe(false);
    writeFileSync(join(folder.dir, "picoflow.toml"), '[daemon]\nrelease_idle_memory = "no"\n');
    expect(() => resolveSettings(sources())).toThrow(`${join(folder.dir, "picoflow.toml")}: daemon.release_idle_memory:`);
  });

  test("the guide's picoflow.toml is read whole", () => {
    writeFileSync(
      join(folder.dir, "picoflow.toml"),
      `db_path = "/var/lib/picoflow/picoflow.db"
log_level = "debug"
log_format = "pretty"
[metrics]
enabled = true
port = 9191
[retry]
default_count = 3
max_backoff_seconds = 60
backoff_multiplier = 3.0
[timeout]
default_seconds = 120
max_seconds = 3600
[execution]
max_parallel = 2
[logs]
retention_days = 30
max_size_mb = 1000
`,
    );
    const settings = resolveSettings(sources());
    expect(settings.dbPath).toBe("/var/lib/picoflow/picoflow.db");
    expect([settings.logLevel, settings.logFormat]).toEqual(["debug", "pretty"]);
    expect(settings.metrics.port).toBe(9191);
    expect(settings.workflowDefaults).toMatchObject({ retries: 3, maxBackoffMs: 60_000, backoffMultiplier: 3, timeoutSeconds: 120, maxTimeoutSeconds: 3600, maxParallel: 2 });
    expect(settings.logs).toMatchObject({ retentionDays: 30, maxSizeMb: 1000 });
  });

  test("flag > environment > file", () => {
    writeFileSync(join(folder.dir, "picoflow.toml"), 'log_level = "warn"\n[metrics]\nport = 1111\n');
    expect(resolveSettings(sources()).logLevel).toBe("warn");
    expect(resolveSettings(sources({ env: { PICOFLOW_LOG_LEVEL: "ERROR" } })).logLevel).toBe("error");
    expect(resolveSettings(sources({ env: { PICOFLOW_LOG_LEVEL: "error" }, flags: { logLevel: "trace" } })).logLevel).toBe("trace");
    expect(resolveSettings(sources({ env: { PICOFLOW_METRICS_PORT: "2222" } })).metrics.port).toBe(2222);
  });

  test("the home config is used when no picoflow.toml is found", () => {
    const home = join(folder.dir, "home", ".config", "picoflow");
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, "config.toml"), "[execution]\nmax_parallel = 3\n");
    expect(resolveSettings(sources()).workflowDefaults.maxParallel).toBe(3);
    expect(resolveSettings(sources()).configFile).toBe(join(home, "config.toml"));
  });

  test("bad values are one-line errors naming the file or variable", () => {
    writeFileSync(join(folder.dir, "picoflow.toml"), "[execution]\nmax_parallel = 0\n");
    expect(() => resolveSettings(sources())).toThrow(new ConfigError(`${join(folder.dir, "picoflow.toml")}: execution.max_parallel: must be at least 1`));
    expect(() => resolveSettings(sources({ searchDirs: [], env: { PICOFLOW_METRICS_PORT: "http" } }))).toThrow(
      'PICOFLOW_METRICS_PORT: "http" is not a port number (decimal, 0-65535)',
    );
  });

  test("durations a timer cannot hold (2^31 ms) are refused by name", () => {
    const file = join(folder.dir, "picoflow.toml");
    for (const [section, key] of [["timeout", "max_seconds"], ["timeout", "default_seconds"], ["retry", "max_backoff_seconds"], ["daemon", "shutdown_grace_seconds"]]) {
      writeFileSync(file, `[${section}]\n${key} = 2147484\n`);
      expect(() => resolveSettings(sources())).toThrow(new ConfigError(`${file}: ${section}.${key}: must be at most 2147483 seconds`));
    }
  });
});

describe("global flags", () => {
  test("are taken from anywhere before --", () => {
    expect(extractGlobalFlags(["--db-path", "a.db", "run", "w.yaml", "--log-level=debug", "--", "--log-format"])).toEqual({
      globals: { dbPath: "a.db", logLevel: "debug" },
      rest: ["run", "w.yaml", "--", "--log-format"],
    });
  });

  test("a flag without its value is a usage error", () => {
    expect(() => extractGlobalFlags(["run", "--db-path"])).toThrow(UsageError);
    expect(attachNegativeValues(["history", "--limit", "-1", "--", "-2", "--x", "-3"])).toEqual(["history", "--limit=-1", "--", "-2", "--x", "-3"]);
    expect(attachNegativeValues(["--limit=3", "-1", "-V"])).toEqual(["--limit=3", "-1", "-V"]);
    expect(() => extractGlobalFlags(["--log-level", "--db-path", "x"])).toThrow("--log-level needs a value");
  });
});

describe("durations", () => {
  test("read like the guide", () => {
    expect(formatDuration(0.5)).toBe("0.50s");
    expect(formatDuration(2.34)).toBe("2.3s");
    expect(formatDuration(42)).toBe("42s");
    expect(formatDuration(383)).toBe("6m 23s");
    expect(formatDuration(3600 + 65)).toBe("1h 1m 5s");
    expect(formatDuration(2 * 86400 + 5 * 3600 + 23 * 60)).toBe("2d 5h 23m");
  });
});

describe("log level fallback", () => {
  test("applies only when no flag, variable or file sets a level", () => {
    const base = { flags: {}, env: {}, searchDirs: [], homeDir: undefined, stderrIsTerminal: true, fallbackLogLevel: "warn" as const };
    expect(resolveSettings(base).logLevel).toBe("warn");
    expect(resolveSettings({ ...base, env: { PICOFLOW_LOG_LEVEL: "info" } }).logLevel).toBe("info");
    expect(resolveSettings({ ...base, flags: { logLevel: "debug" } }).logLevel).toBe("debug");
  });
});

describe("[system] paths", () => {
  test("default to the Linux and Raspberry Pi locations", () => {
    expect(resolveSettings(sources()).system).toEqual({
      meminfo: "/proc/meminfo",
      thermalGlob: "/sys/class/thermal/thermal_zone*/temp",
      loadavg: "/proc/loadavg",
      throttled: "/sys/devices/platform/soc/soc:firmware/get_throttled",
    });
  });
  test("move with picoflow.toml; relative ones are taken from its folder", () => {
    folder.write(
      "picoflow.toml",
      '[system]\nmeminfo = "fake/meminfo"\nthermal_glob = "/x/zone*/temp"\nloadavg = "/x/loadavg"\nthrottled = "/x/throttled"\n',
    );
    expect(resolveSettings(sources()).system).toEqual({
      meminfo: join(folder.dir, "fake", "meminfo"),
      thermalGlob: "/x/zone*/temp",
      loadavg: "/x/loadavg",
      throttled: "/x/throttled",
    });
  });
  test("an unknown or empty key is a one-line error naming it", () => {
    folder.write("picoflow.toml", '[system]\nmeminfo = ""\n');
    expect(() => resolveSettings(sources())).toThrow(new ConfigError(`${join(folder.dir, "picoflow.toml")}: system.meminfo: must not be empty`));
    folder.write("picoflow.toml", '[system]\ncpuinfo = "/proc/cpuinfo"\n');
    expect(() => resolveSettings(sources())).toThrow(new ConfigError(`${join(folder.dir, "picoflow.toml")}: system.cpuinfo: unknown setting`));
  });
});

describe("[history] storage budget", () => {
  test("max_size_mb has no default; output_tail_kb defaults to 64", () => {
    expect(resolveSettings(sources()).history).toMatchObject({ retentionDays: undefined, maxSizeMb: undefined, outputTailBytes: 64 * 1024 });
    folder.write("picoflow.toml", "[history]\nmax_size_mb = 200\noutput_tail_kb = 16\n");
    expect(resolveSettings(sources()).history).toMatchObject({ retentionDays: undefined, maxSizeMb: 200, outputTailBytes: 16 * 1024 });
  });
  test("a size that is not a positive whole number is an error naming the key", () => {
    folder.write("picoflow.toml", "[history]\nmax_size_mb = 0\n");
    expect(() => resolveSettings(sources())).toThrow(new ConfigError(`${join(folder.dir, "picoflow.toml")}: history.max_size_mb: must be at least 1`));
    folder.write("picoflow.toml", "[history]\noutput_tail_kb = 1.5\n");
    expect(() => resolveSettings(sources())).toThrow(new ConfigError(`${join(folder.dir, "picoflow.toml")}: history.output_tail_kb: must be a whole number`));
  });
});

describe("clock trust and gate polling", () => {
  test("default to auto, timesyncd's flag file and a 5 s poll", () => {
    const settings = resolveSettings(sources());
    expect(settings.clock).toEqual({ sync: "auto", syncedFile: "/run/systemd/timesync/synchronized" });
    expect(settings.gates).toEqual({ pollMs: 5000 });
  });
  test("[daemon] clock_sync, [system] clock_synced_file (relative to the file) and [gates] poll_seconds", () => {
    folder.write("picoflow.toml", '[daemon]\nclock_sync = "wait"\n[system]\nclock_synced_file = "run/synced"\n[gates]\npoll_seconds = 0.5\n');
    const settings = resolveSettings(sources());
    expect(settings.clock).toEqual({ sync: "wait", syncedFile: join(folder.dir, "run/synced") });
    expect(settings.gates).toEqual({ pollMs: 500 });
  });
  test("bad values are one-line errors naming the key", () => {
    const file = join(folder.dir, "picoflow.toml");
    folder.write("picoflow.toml", '[daemon]\nclock_sync = "sometimes"\n');
    expect(() => resolveSettings(sources())).toThrow(new ConfigError(`${file}: daemon.clock_sync: must be one of auto, wait, ignore`));
    folder.write("picoflow.toml", "[gates]\npoll_seconds = 0\n");
    expect(() => resolveSettings(sources())).toThrow(new ConfigError(`${file}: gates.poll_seconds: must be at least 0.1`));
    folder.write("picoflow.toml", '[gates]\nmax_temperature_c = 70\n');
    expect(() => resolveSettings(sources())).toThrow(new ConfigError(`${file}: gates.max_temperature_c: unknown setting`));
  });
});
