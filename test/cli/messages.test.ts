/** Mistakes a user can make get one line naming the file, flag or field, and never `internal error`. */
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempDir } from "../helpers/cli.ts";
import { canMountTmpfs, mountTmpfs, remountReadOnly, SKIP_REASON, unmount } from "../helpers/tmpfs.ts";

const folder = tempDir("picoflow-messages-");
const mounted: string[] = [];
afterAll(() => {
  for (const dir of mounted) unmount(dir);
  folder.cleanup();
});
const simple = folder.write("simple.yaml", "name: simple\ntasks:\n  - {name: a, type: shell, config: {command: /bin/true}}\n");

describe("databases", () => {
  test("a file that is not a database is named by every inspecting command", async () => {
    const bad = join(folder.dir, "not-a-db.db");
    writeFileSync(bad, "this is not SQLite at all, just text long enough to fill a header page\n".repeat(20));
    for (const command of [["history"], ["status"], ["stats"], ["workflow", "list"], ["logs", "simple"]]) {
      const result = await runCli([...command, "--db-path", bad], { cwd: folder.dir });
      expect({ command, exitCode: result.exitCode, stderr: result.stderr }).toEqual({ command, exitCode: 1, stderr: `error: cannot open database ${bad}: file is not a database\n` });
    }
  });

  test.skipIf(!canMountTmpfs)(`history on a read-only file system is read (skipped unless ${SKIP_REASON})`, async () => {
    const disk = join(folder.dir, "ro");
    if (!mountTmpfs(disk, "4m")) {
      console.warn(`skipping: ${SKIP_REASON}`);
      return;
    }
    mounted.push(disk);
    const db = join(disk, "picoflow.db");
    expect((await runCli(["run", simple, "--db-path", db], { cwd: folder.dir })).exitCode).toBe(0);
    expect(remountReadOnly(disk)).toBe(true);
    const history = await runCli(["history", "--db-path", db], { cwd: folder.dir });
    expect(history.stderr).toBe("");
    expect(history.exitCode).toBe(0);
    expect(history.stdout).toMatch(/simple .* Success/);
  });
});

describe("settings and workflow fields", () => {
  test("bind_address = \"999.1.1.1\" is refused by name", async () => {
    const own = join(folder.dir, "bind");
    mkdirSync(own);
    writeFileSync(join(own, "picoflow.toml"), '[metrics]\nbind_address = "999.1.1.1"\n');
    const file = join(own, "s.yaml");
    writeFileSync(file, 'name: s\nschedule: "0 0 * * * *"\ntasks:\n  - {name: a, type: shell, config: {command: /bin/true}}\n');
    const result = await runCli(["daemon", "start", "--foreground", file, "--db-path", join(own, "p.db")], { cwd: own });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe(`error: ${join(own, "picoflow.toml")}: metrics.bind_address: "999.1.1.1" is not a valid IPv4 address\n`);
  });

  test("a NUL in command, args or env is a validate error with its position", async () => {
    const file = folder.write("nul.yaml", 'name: nul\ntasks:\n  - {name: a, type: shell, config: {command: "/bin/ec\\0ho", args: ["a\\0b"], env: {X: "1\\0"}}}\n');
    const result = await runCli(["validate", file], { cwd: folder.dir });
    expect(result.exitCode).toBe(2);
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toStartWith(`error: ${file}:3:46: task 'a': config.command: must not contain a NUL character`);
    expect(lines[1]).toContain("config.args.0: must not contain a NUL character");
    expect(lines[2]).toContain("config.env.X: must not contain a NUL character");
  });

  test("a command that is not a program says so, not ENOEXEC", async () => {
    const notProgram = folder.write("data.txt", "just data\n");
    chmodSync(notProgram, 0o755);
    const file = folder.write("noexec.yaml", `name: noexec\ntasks:\n  - {name: a, type: shell, config: {command: ${notProgram}}}\n`);
    const result = await runCli(["run", file, "--db-path", join(folder.dir, "x.db")], { cwd: folder.dir });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain(`Task 'a' failed: cannot execute ${notProgram}: not a program this machine can run`);
    expect(result.stdout + result.stderr).not.toContain("ENOEXEC");
  });
});
