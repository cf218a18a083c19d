/** `${tasks.NAME.output}` in SSH commands against a real sshd: the value arrives as one word and never runs. */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runWorkflowInFolder, tempDir } from "../helpers/cli.ts";
import { type Sshd, startSshd } from "../helpers/sshd.ts";

setDefaultTimeout(60_000);

let sshd: Sshd;
const scratch = tempDir("picoflow-ssh-outputs-");

beforeAll(async () => {
  sshd = await startSshd();
  writeFileSync(sshd.knownHostsPath, `${sshd.knownHostsLine()}\n`);
});
afterAll(async () => {
  await sshd.stop();
  scratch.cleanup();
});

test("an output full of shell syntax is quoted into the remote command: it arrives literally and nothing in it runs", async () => {
  const pwned = join(scratch.dir, `pwned-${crypto.randomUUID()}`);
  const result = join(scratch.dir, `result-${crypto.randomUUID()}`);
  const hostile = `it's; touch ${pwned}; $(touch ${pwned}) \`touch ${pwned}\` "$HOME" \\ 'x'\nsecond line`;
  const { exitCode, rows, folder } = await runWorkflowInFolder<{ task_name: string; status: string; error: string | null }>(
    `name: ssh_hostile
tasks:
  - name: produce
    type: shell
    output: true
    config: {command: /bin/printf, args: ["%s", ${JSON.stringify(hostile)}]}
  - name: remote
    type: ssh
    depends_on: [produce]
    config:
      host: 127.0.0.1
      port: ${sshd.port}
      user: ${sshd.user}
      command: printf '%s' \${tasks.produce.output} > ${result}
`,
    { prefix: "picoflow-ssh-outputs-run-", orderBy: "started_at", env: { HOME: sshd.home } },
  );
  folder.cleanup();
  expect(rows.map((row) => [row.task_name, row.status, row.error])).toEqual([
    ["produce", "Success", null],
    ["remote", "Success", null],
  ]);
  expect(exitCode).toBe(0);
  expect(readFileSync(result, "utf8")).toBe(hostile);
  expect(existsSync(pwned)).toBe(false);
});

test("an ssh task's stdout is its output: it reaches the next task, trailing newline trimmed", async () => {
  const { exitCode, rows, folder } = await runWorkflowInFolder<{ task_name: string; status: string; output: string | null }>(
    `name: ssh_output
tasks:
  - name: remote
    type: ssh
    output: true
    config: {host: 127.0.0.1, port: ${sshd.port}, user: ${sshd.user}, command: "echo '{\\"load\\": [0.5, 0.25]}'"}
  - name: local
    type: shell
    depends_on: [remote]
    output: true
    config: {command: /bin/echo, args: ["load \${tasks.remote.output.load.1}"]}
`,
    { prefix: "picoflow-ssh-outputs-run-", orderBy: "started_at", env: { HOME: sshd.home } },
  );
  folder.cleanup();
  expect(exitCode).toBe(0);
  expect(rows.map((row) => [row.task_name, row.status, row.output])).toEqual([
    ["remote", "Success", '{"load": [0.5, 0.25]}'],
    ["local", "Success", "load 0.25"],
  ]);
});
