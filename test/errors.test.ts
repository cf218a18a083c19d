/** A PicoFlow error that wraps another keeps it as `cause`: the one-line message for users, the original for debugging. */
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { resolveSettings } from "../src/config/settings.ts";
import { ConfigError, StoreError, UsageError } from "../src/errors.ts";
import { SqliteStore } from "../src/store/sqlite.ts";
import { loadWorkflowFile } from "../src/workflow/load.ts";
import { tempDir } from "./helpers/cli.ts";
import { TEST_DEFAULTS } from "./helpers/engine.ts";

const folder = tempDir();
afterAll(() => folder.cleanup());

function thrown(action: () => unknown): Error {
  try {
    action();
  } catch (error) {
    return error as Error;
  }
  throw new Error("nothing was thrown");
}

test("a workflow file that cannot be read: UsageError caused by the system's ENOENT", () => {
  const error = thrown(() => loadWorkflowFile(join(folder.dir, "absent.yaml"), TEST_DEFAULTS));
  expect(error).toBeInstanceOf(UsageError);
  expect(error.message).toContain("no such file");
  expect((error.cause as NodeJS.ErrnoException).code).toBe("ENOENT");
});

test("a picoflow.toml that does not parse: ConfigError caused by the TOML parser's error", () => {
  const dir = join(folder.dir, "toml");
  mkdirSync(dir);
  writeFileSync(join(dir, "picoflow.toml"), "[logs\nretention_days = 3\n");
  const error = thrown(() => resolveSettings({ flags: {}, env: {}, searchDirs: [dir], homeDir: join(dir, "home"), stderrIsTerminal: false }));
  expect(error).toBeInstanceOf(ConfigError);
  expect(error.cause).toBeInstanceOf(Error);
  expect(error.message).toContain((error.cause as Error).message);
});

test("a database file that is not a database: StoreError caused by SQLite's error", () => {
  const path = folder.write("garbage.db", "not a database ".repeat(400));
  const error = thrown(() => SqliteStore.open(path));
  expect(error).toBeInstanceOf(StoreError);
  expect(error.message).toContain(path);
  expect((error.cause as Error).message).toContain("file is not a database");
});
