import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { resolveSettings, type SettingsSources } from "../../src/config/settings.ts";
import { ConfigError } from "../../src/errors.ts";
import { tempDir } from "../helpers/cli.ts";

let folder: ReturnType<typeof tempDir>;
beforeEach(() => {
  folder = tempDir();
});
afterEach(() => folder.cleanup());

const sources = (env: Record<string, string> = {}): SettingsSources => ({
  flags: {},
  env,
  searchDirs: [folder.dir],
  homeDir: join(folder.dir, "home"),
  stderrIsTerminal: false,
});

describe("[dashboard] settings", () => {
  test("on by default, without a token", () => {
    expect(resolveSettings(sources()).dashboard).toEqual({ enabled: true, token: undefined });
  });

  test("picoflow.toml sets enabled and token; PICOFLOW_DASHBOARD_TOKEN wins over the file", () => {
    writeFileSync(join(folder.dir, "picoflow.toml"), '[dashboard]\nenabled = false\ntoken = "from-file"\n');
    expect(resolveSettings(sources()).dashboard).toEqual({ enabled: false, token: "from-file" });
    expect(resolveSettings(sources({ PICOFLOW_DASHBOARD_TOKEN: "from-env" })).dashboard.token).toBe("from-env");
  });

  test("an empty token or an unknown key is a one-line error naming the field", () => {
    const file = join(folder.dir, "picoflow.toml");
    writeFileSync(file, '[dashboard]\ntoken = ""\n');
    expect(() => resolveSettings(sources())).toThrow(new ConfigError(`${file}: dashboard.token: must not be empty`));
    writeFileSync(file, "[dashboard]\nport = 1\n");
    expect(() => resolveSettings(sources())).toThrow(new ConfigError(`${file}: dashboard.port: unknown setting`));
  });
});
