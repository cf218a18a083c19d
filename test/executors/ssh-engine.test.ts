/** SSH tasks through the real CLI and engine against a real sshd: timeouts, retries, one login per host. */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { runWorkflowInFolder } from "../helpers/cli.ts";
import { pgrep, type Sshd, startSshd } from "../helpers/sshd.ts";

// Real servers and processes on a shared 2-core machine: generous bounds, no tight timing.
setDefaultTimeout(60_000);

let sshd: Sshd;

beforeAll(async () => {
  sshd = await startSshd();
  writeFileSync(sshd.knownHostsPath, `${sshd.knownHostsLine()}\n`);
});
afterAll(async () => {
  await sshd.stop();
});

interface Row {
  task_name: string;
  status: string;
  attempt: number;
  exit_code: number | null;
  stdout: string | null;
  error: string | null;
  failure_kind: string | null;
}

async function runWorkflow(yaml: string) {
  const { folder, ...result } = await runWorkflowInFolder<Row>(yaml, {
    prefix: "picoflow-ssh-engine-",
    orderBy: "started_at, task_name, attempt",
    env: { HOME: sshd.home },
  });
  folder.cleanup();
  return result;
}

test("a task timeout stops the remote command (gone from the server) and closes the connection", async () => {
  const marker = `302.${Math.floor(Math.random() * 1e6)}`;
  const disconnects = sshd.count("Disconnected from user");
  const { exitCode, rows } = await runWorkflow(`
name: remote-timeout
tasks:
  - name: stuck
    type: ssh
    timeout: 2
    config:
      host: 127.0.0.1
      port: ${sshd.port}
      user: ${sshd.user}
      command: "echo started; sleep ${marker}; echo never"
`);
  expect(exitCode).toBe(1);
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ status: "Timeout", failure_kind: "timeout", stdout: "started\n", error: "timed out after 2s" });
  expect(await pgrep(marker)).toEqual([]);
  await sshd.waitForCount("Disconnected from user", disconnects + 1);
});

test("an unreachable port is retried per the retry policy, then fails", async () => {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  const { exitCode, rows, stdout } = await runWorkflow(`
name: remote-refused
tasks:
  - name: unreachable
    type: ssh
    retry: 2
    config:
      host: 127.0.0.1
      port: ${port}
      user: ${sshd.user}
      command: "true"
  - name: after
    type: shell
    depends_on: [unreachable]
    config:
      command: echo
`);
  expect(exitCode).toBe(1);
  expect(rows.filter((row) => row.task_name === "unreachable").map((row) => [row.attempt, row.status, row.failure_kind])).toEqual([
    [1, "Failed", "connection-refused"],
    [2, "Failed", "connection-refused"],
    [3, "Failed", "connection-refused"],
  ]);
  expect(rows.find((row) => row.task_name === "after")?.status).toBe("Skipped");
  expect(stdout).toContain(`connection refused by 127.0.0.1:${port}`);
});

test("a chain of tasks on one host logs in once, and the run ends (its connection closed)", async () => {
  const logins = sshd.count("Accepted publickey");
  const disconnects = sshd.count("Disconnected from user");
  const task = (name: string, command: string, after?: string) => `
  - name: ${name}
    type: ssh${after ? `\n    depends_on: [${after}]` : ""}
    config:
      host: 127.0.0.1
      port: ${sshd.port}
      user: ${sshd.user}
      command: "${command}"`;
  const { exitCode, rows } = await runWorkflow(`
name: remote-chain
tasks:${task("one", "echo 1")}${task("two", "echo 2", "one")}${task("three", "echo 3; exit 5", "two")}
`);
  expect(exitCode).toBe(1);
  expect(rows.map((row) => [row.task_name, row.status, row.exit_code, row.stdout])).toEqual([
    ["one", "Success", 0, "1\n"],
    ["two", "Success", 0, "2\n"],
    ["three", "Failed", 5, "3\n"],
  ]);
  await sshd.waitForCount("Disconnected from user", disconnects + 1);
  expect(sshd.count("Accepted publickey")).toBe(logins + 1);
});
