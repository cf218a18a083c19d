/**
 * A full disk, for real: a small tmpfs mounted under the test's folder (CI runs as root).
 * Where mounting is not allowed the tmpfs tests are skipped, saying why.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempDir } from "../helpers/cli.ts";
import { canMountTmpfs, mountTmpfs, SKIP_REASON, unmount } from "../helpers/tmpfs.ts";

const probe = tempDir("picoflow-mount-probe-");
const canMount = canMountTmpfs && mountTmpfs(join(probe.dir, "m"), "64k");
if (canMount) unmount(join(probe.dir, "m"));
probe.cleanup();
if (!canMount) console.warn(`skipping the tmpfs (full disk) tests: ${SKIP_REASON}`);
const tryMount = mountTmpfs;

const mounts: string[] = [];
const folders: { cleanup: () => void }[] = [];
afterAll(() => {
  for (const dir of mounts) unmount(dir);
  for (const folder of folders) folder.cleanup();
});

function rows(db: string, sql: string): Record<string, unknown>[] {
  const sqlite = new Database(db, { readonly: true });
  try {
    return sqlite.query(sql).all() as Record<string, unknown>[];
  } finally {
    sqlite.close();
  }
}

const BIG = `head -c 2000000 /dev/zero | tr '\\\\0' x; echo done`;

describe("a log file that cannot be written", () => {
  test.skipIf(!canMount)("ENOSPC on a task's log warns on that task; the run goes on and records everything", async () => {
    const folder = tempDir("picoflow-enospc-");
    folders.push(folder);
    const logs = join(folder.dir, "logs");
    expect(tryMount(logs, "256k")).toBe(true);
    mounts.push(logs);
    const file = folder.write(
      "full.yaml",
      `name: full\ntasks:\n  - {name: big, type: shell, config: {command: /bin/sh, args: ["-c", "${BIG}"]}}\n  - {name: after, type: shell, depends_on: [big], config: {command: /bin/echo, args: [hi]}}\n`,
    );
    const db = join(folder.dir, "picoflow.db");
    const result = await runCli(["run", file, "--db-path", db], { cwd: folder.dir });
    expect(result.stderr).not.toContain("internal error");
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/Warning: task 'big': log file .*big\.log could not be written: no space left on device \(ENOSPC\)/);
    const tasks = rows(db, "SELECT task_name, status, warning, length(stdout) AS kept FROM task_executions ORDER BY started_at, task_name");
    expect(tasks.map((row) => [row.task_name, row.status])).toEqual([["big", "Success"], ["after", "Success"]]);
    expect(String(tasks[0]?.warning)).toContain("no space left on device (ENOSPC)");
    expect(tasks[0]?.kept).toBe(65536);
    expect(rows(db, "SELECT status FROM workflow_executions")).toEqual([{ status: "Success" }]);
  });

  test("a log folder that cannot be created is a warning on the task and in its row, never silent", async () => {
    const folder = tempDir("picoflow-nolog-");
    folders.push(folder);
    // A file where the logs/ folder should be: nothing can be created under it, even by root.
    writeFileSync(join(folder.dir, "logs"), "not a folder\n");
    const file = folder.write("w.yaml", "name: nolog\ntasks:\n  - {name: talk, type: shell, config: {command: /bin/echo, args: [hello]}}\n");
    const db = join(folder.dir, "picoflow.db");
    const result = await runCli(["run", file, "--db-path", db], { cwd: folder.dir });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("Warning: task 'talk': log file");
    const [row] = rows(db, "SELECT status, warning, stdout FROM task_executions");
    expect(row?.status).toBe("Success");
    expect(String(row?.warning)).toMatch(/could not be created: a part of the path is not a folder \(ENOTDIR\)/);
    expect(row?.stdout).toBe("hello\n");
    // Still visible later, to whoever inspects the run.
    const status = await runCli(["status", "nolog", "--format", "json", "--db-path", db], { cwd: folder.dir });
    const task = JSON.parse(status.stdout).executions[0].tasks[0];
    expect(task.warning).toMatch(/log file .*talk\.log could not be created/);
    const table = await runCli(["status", "nolog", "--db-path", db], { cwd: folder.dir });
    expect(table.stdout).toMatch(/talk .*completed in .*; warning: log file/);
  });
});

describe("a database that cannot be written", () => {
  test.skipIf(!canMount)("the message names the database and how to recover; the next start recovers it", async () => {
    const folder = tempDir("picoflow-dbfull-");
    folders.push(folder);
    const disk = join(folder.dir, "disk");
    expect(tryMount(disk, "512k")).toBe(true);
    mounts.push(disk);
    const filler = join(disk, "filler");
    // The first run fills the disk the database is on; its resume finds room again.
    const fill = `test -e ${disk}/filled || { touch ${disk}/filled; head -c 2000000 /dev/zero > ${filler}; }; echo ok`;
    const file = folder.write(
      "w.yaml",
      `name: dbfull\ntasks:\n  - {name: fill, type: shell, config: {command: /bin/sh, args: ["-c", "${fill}"]}}\n  - {name: after, type: shell, depends_on: [fill], config: {command: /bin/echo, args: [hi]}}\n`,
    );
    const db = join(disk, "picoflow.db");
    const first = await runCli(["run", file, "--db-path", db], { cwd: folder.dir });
    expect(first.exitCode).toBe(1);
    const errorLine = first.stderr.split("\n").find((line) => line.startsWith("error:")) ?? "";
    expect(errorLine).toMatch(new RegExp(`^error: database ${db} could not be written \\(database or disk is full\\): the record of execution [0-9a-f-]+ is incomplete`));
    expect(first.stderr).not.toContain("internal error");
    const id = /execution ([0-9a-f-]{36})/.exec(errorLine)?.[1] as string;

    rmSync(filler);
    const resumed = await runCli(["run", "--resume", id, "--db-path", db], { cwd: folder.dir });
    expect(resumed.stderr).not.toContain("error:");
    expect(resumed.exitCode).toBe(0);
    expect(rows(db, "SELECT status FROM workflow_executions")).toEqual([{ status: "Success" }]);
    const tasks = rows(db, "SELECT task_name, status FROM task_executions WHERE status = 'Success' ORDER BY task_name");
    expect(tasks.map((row) => row.task_name)).toEqual(["after", "fill"]);
  });
});
