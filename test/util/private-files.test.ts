/** History holds task output, which often holds secrets: everything PicoFlow writes is owner-only, whatever the umask. */
import { afterAll, afterEach, beforeEach, expect, test } from "bun:test";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { claimPidFile } from "../../src/daemon/pid-file.ts";
import { type DaemonState, writeStateFile } from "../../src/daemon/state-file.ts";
import { SqliteStore } from "../../src/store/sqlite.ts";
import { runCli, tempDir } from "../helpers/cli.ts";

const folder = tempDir("picoflow-private-");
afterAll(() => folder.cleanup());
const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

let saved = 0;
beforeEach(() => {
  // The most permissive umask: nothing may rely on it to hide files.
  saved = process.umask(0);
});
afterEach(() => {
  process.umask(saved);
});

test("the database and its WAL and SHM files are 0600", () => {
  const path = join(folder.dir, "history.db");
  const store = SqliteStore.open(path);
  try {
    store.createExecution({ id: "e1", workflowName: "w", workflowFile: "/w.yaml", startedAt: new Date(), logDir: "/l", owner: { pid: 1, startTicks: "1" } } as never);
    expect(mode(path)).toBe("600");
    expect(mode(`${path}-wal`)).toBe("600");
    expect(mode(`${path}-shm`)).toBe("600");
  } finally {
    store.close();
  }
});

test("the PID and state files are 0600", () => {
  const pidFile = join(folder.dir, "picoflow.pid");
  expect(claimPidFile(pidFile, process.pid).claimed).toBe(true);
  expect(mode(pidFile)).toBe("600");
  const stateFile = join(folder.dir, "state.json");
  writeStateFile(stateFile, { pid: process.pid } as unknown as DaemonState);
  expect(mode(stateFile)).toBe("600");
});

test("task logs are 0600 in 0700 folders, with a run started under umask 0", async () => {
  const file = folder.write("w.yaml", "name: private\ntasks:\n  - {name: talk, type: shell, config: {command: /bin/echo, args: [secret]}}\n");
  const db = join(folder.dir, "run.db");
  // The child inherits the umask set above.
  const result = await runCli(["run", file, "--db-path", db], { cwd: folder.dir });
  expect(result.exitCode).toBe(0);
  expect(mode(db)).toBe("600");
  expect(mode(join(folder.dir, "logs"))).toBe("700");
  expect(mode(join(folder.dir, "logs", "private"))).toBe("700");
  const [runDir] = readdirSync(join(folder.dir, "logs", "private"));
  expect(mode(join(folder.dir, "logs", "private", runDir as string))).toBe("700");
  expect(mode(join(folder.dir, "logs", "private", runDir as string, "talk.log"))).toBe("600");
});
