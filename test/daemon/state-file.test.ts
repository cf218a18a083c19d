/** The one parser of picoflow-daemon.json, used by daemon status/stop, workflow list and --detach. */
import { afterEach, expect, test } from "bun:test";
import { readLiveStateFile, readStateFile } from "../../src/daemon/state-file.ts";
import { currentProcess } from "../../src/util/process-identity.ts";
import { tempDir } from "../helpers/cli.ts";

let folder: ReturnType<typeof tempDir>;
afterEach(() => folder.cleanup());

test("entries a reader cannot use are dropped; a file without a valid PID is no state at all", () => {
  folder = tempDir();
  const me = currentProcess();
  const path = folder.write(
    "state.json",
    JSON.stringify({
      pid: me.pid,
      startTicks: me.startTicks,
      startedAt: "2026-12-02T05:00:00.000Z",
      workflows: [
        { name: "backup", file: "/w/backup.yaml", schedule: "0 2 * * *", nextRun: "2026-12-03T02:00:00.000Z" },
        { name: "hourly", schedule: "0 * * * *", catchupQueued: 3 },
        { name: "odd", catchupQueued: "many" },
        { file: "/no/name.yaml" },
        null,
        7,
      ],
      running: "not a list",
    }),
  );
  const state = readStateFile(path);
  expect(state?.workflows).toEqual([
    { name: "backup", file: "/w/backup.yaml", schedule: "0 2 * * *", timezone: null, nextRun: "2026-12-03T02:00:00.000Z", catchupQueued: 0 },
    { name: "hourly", file: "", schedule: "0 * * * *", timezone: null, nextRun: null, catchupQueued: 3 },
    { name: "odd", file: "", schedule: null, timezone: null, nextRun: null, catchupQueued: 0 },
  ]);
  expect(state?.running).toEqual([]);
  expect(readLiveStateFile(path)?.pid).toBe(me.pid);

  for (const garbled of ["{", "null", JSON.stringify({ pid: "12" }), JSON.stringify({ pid: -1 }), JSON.stringify({ pid: 1.5 })]) {
    expect(readStateFile(folder.write("garbled.json", garbled))).toBeUndefined();
  }
  expect(readStateFile(`${folder.dir}/missing.json`)).toBeUndefined();
});

test("the state of a daemon that is gone (killed with SIGKILL, its file left behind) is not live", () => {
  folder = tempDir();
  const path = folder.write("state.json", JSON.stringify({ pid: process.pid, startTicks: "1", workflows: [] }));
  expect(readStateFile(path)?.pid).toBe(process.pid);
  expect(readLiveStateFile(path)).toBeUndefined();
});
