import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { runCli, tempDir } from "../helpers/cli.ts";

const folder = tempDir("picoflow-args-");
afterAll(() => folder.cleanup());
const a = folder.write("a.yaml", "name: a\ntasks:\n  - {name: one, type: shell, config: {command: /bin/true}}\n");
const b = folder.write("b.yaml", "name: b\ntasks:\n  - {name: two, type: shell, config: {command: /bin/true}}\n");
const db = join(folder.dir, "picoflow.db");

describe("words and numbers are taken strictly", () => {
  test("an extra workflow file after run or validate is a usage error, and nothing runs", async () => {
    const run = await runCli(["run", a, b, "--db-path", db], { cwd: folder.dir });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toBe(`error: unexpected argument '${b}' (usage: picoflow run FILE | picoflow run --resume ID)\n`);
    expect(run.stdout).toBe("");
    const validate = await runCli(["validate", a, b], { cwd: folder.dir });
    expect(validate.exitCode).toBe(2);
    expect(validate.stderr).toContain(`unexpected argument '${b}'`);
  });

  test("an empty command word is an unknown command, not help", async () => {
    const result = await runCli([""], { cwd: folder.dir });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe("error: unknown command '' (see picoflow --help)\n");
  });

  test.each(["0x1F91", "1e4", " 80", "80.0", "+80", "65536"])("PICOFLOW_METRICS_PORT=%p is refused", async (port) => {
    const result = await runCli(["run", a, "--db-path", db], { cwd: folder.dir, env: { PICOFLOW_METRICS_PORT: port } });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe(`error: PICOFLOW_METRICS_PORT: "${port}" is not a port number (decimal, 0-65535)\n`);
  });

  test("numeric flags are decimal and in range", async () => {
    const period = await runCli(["stats", "--period", "1000000000", "--db-path", db], { cwd: folder.dir });
    expect(period).toMatchObject({ exitCode: 2, stderr: 'error: --period: "1000000000" is not a whole number from 1 to 100000\n' });
    const limit = await runCli(["history", "--limit", "0x10", "--db-path", db], { cwd: folder.dir });
    expect(limit).toMatchObject({ exitCode: 2, stderr: 'error: --limit: "0x10" is not a whole number of at least 1\n' });
    const stop = await runCli(["daemon", "stop", "--timeout", "1e3", "--db-path", db], { cwd: folder.dir });
    expect(stop).toMatchObject({ exitCode: 2, stderr: 'error: --timeout: "1e3" is not a whole number of seconds from 1 to 2147483\n' });
  });

  test("db_path = \"\" in picoflow.toml is an error, not a silent fallback", async () => {
    const own = tempDir("picoflow-args-toml-");
    try {
      own.write("picoflow.toml", 'db_path = ""\n');
      const file = own.write("a.yaml", "name: a\ntasks:\n  - {name: one, type: shell, config: {command: /bin/true}}\n");
      const result = await runCli(["run", file], { cwd: own.dir });
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toBe(`error: ${join(own.dir, "picoflow.toml")}: db_path: must not be empty (leave it out for ./picoflow.db)\n`);
    } finally {
      own.cleanup();
    }
  });
});
