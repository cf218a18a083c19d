import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { runCli, tempDir } from "../helpers/cli.ts";
import { type DashboardDaemon, finished, startDashboardDaemon } from "../dashboard/helpers.ts";

describe("picoflow trigger", () => {
  let d: DashboardDaemon;
  beforeAll(async () => {
    d = await startDashboardDaemon();
  }, 60_000);
  afterAll(() => d?.cleanup());

  const trigger = (args: string[], env: Record<string, string> = {}) => runCli(["--db-path", d.db, "trigger", ...args], { cwd: d.dir, env });

  test("asks the running daemon to run the workflow now and prints the execution id, which is then in history", async () => {
    const result = await trigger(["demo"]);
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    const id = result.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect((await finished(d.base, id)).status).toBe("Success");
    const history = await runCli(["--db-path", d.db, "history", "demo", "--format", "json"], { cwd: d.dir });
    expect(JSON.parse(history.stdout).executions.map((row: { id: string }) => row.id)).toContain(id);
  });

  test("a workflow the daemon has not loaded, or one already running: the daemon's reason, exit 1", async () => {
    const unknown = await trigger(["nope"]);
    expect(unknown).toEqual({ exitCode: 1, stdout: "", stderr: "error: the daemon refused: no workflow 'nope' is loaded in this daemon\n" });
    const first = await trigger(["slow"]);
    expect(first.exitCode).toBe(0);
    const second = await trigger(["slow"]);
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toBe(`error: the daemon refused: workflow 'slow' is already running (execution ${first.stdout.trim()}); one execution of a workflow runs at a time\n`);
    d.touch("go");
    await finished(d.base, first.stdout.trim());
  });

  test("no workflow name, or two, is a usage error (exit 2)", async () => {
    expect(await trigger([])).toEqual({ exitCode: 2, stdout: "", stderr: "error: trigger needs a workflow name: picoflow trigger WORKFLOW\n" });
    expect((await trigger(["demo", "slow"])).exitCode).toBe(2);
  });
});

describe("picoflow trigger without a daemon", () => {
  const folder = tempDir();
  afterAll(() => folder.cleanup());

  test("says no daemon runs on that database, exit 1", async () => {
    const db = `${folder.dir}/picoflow.db`;
    const result = await runCli(["--db-path", db, "trigger", "demo"], { cwd: folder.dir });
    expect(result).toEqual({ exitCode: 1, stdout: "", stderr: `error: no daemon is running on database ${db}; start one with: picoflow daemon start FILE...\n` });
  });
});

describe("picoflow trigger with a token", () => {
  let d: DashboardDaemon;
  beforeAll(async () => {
    d = await startDashboardDaemon({ PICOFLOW_DASHBOARD_TOKEN: "tok-123" });
  }, 60_000);
  afterAll(() => d?.cleanup());

  test("sends PICOFLOW_DASHBOARD_TOKEN; without it the refusal says what to set", async () => {
    const refused = await runCli(["--db-path", d.db, "trigger", "demo"], { cwd: d.dir, env: { PICOFLOW_DASHBOARD_TOKEN: "" } });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toBe("error: the daemon's API refused the token: set [dashboard] token or PICOFLOW_DASHBOARD_TOKEN to the daemon's token\n");
    const accepted = await runCli(["--db-path", d.db, "trigger", "demo"], { cwd: d.dir, env: { PICOFLOW_DASHBOARD_TOKEN: "tok-123" } });
    expect(accepted.exitCode).toBe(0);
    await finished(d.base, accepted.stdout.trim(), { authorization: "Bearer tok-123" });
  });
});

describe("picoflow trigger when the daemon's dashboard is off", () => {
  let d: DashboardDaemon;
  beforeAll(async () => {
    d = await startDashboardDaemon({}, "[dashboard]\nenabled = false\n");
  }, 60_000);
  afterAll(() => d?.cleanup());

  test("says the daemon serves no API, exit 1", async () => {
    const result = await runCli(["--db-path", d.db, "trigger", "demo"], { cwd: d.dir });
    expect(result).toEqual({ exitCode: 1, stdout: "", stderr: `error: the daemon (PID ${d.daemon.pid}) serves no API: [dashboard] enabled = false\n` });
  });
});
