/** Task outputs (`output: true`, `${tasks.NAME.output...}`) through the real CLI: real processes, SQLite, loopback HTTP. */
import { Database } from "bun:sqlite";
import { afterAll, afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { picoflowCommand, runCli, runWorkflowInFolder, tempDir } from "../helpers/cli.ts";
import { waitFor } from "../helpers/wait-for.ts";

setDefaultTimeout(60_000);

interface Row {
  task_name: string;
  status: string;
  attempt: number;
  output: string | null;
  stdout: string | null;
  error: string | null;
  failure_kind: string | null;
}

const scratch = tempDir("picoflow-outputs-scratch-");
afterAll(() => scratch.cleanup());
const folders: { cleanup: () => void }[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) folder.cleanup();
});

async function run(yaml: string) {
  const result = await runWorkflowInFolder<Row>(yaml, { prefix: "picoflow-outputs-", orderBy: "started_at, attempt" });
  folders.push(result.folder);
  return { ...result, byName: new Map(result.rows.map((row) => [row.task_name, row])) };
}

/** Shell task args that print how many arguments follow and each one on its own line (and env GIVEN). */
const ARGS_PRINTER = `["-c", 'printf "%s\\n" "$#" "$@" "env=$GIVEN"', "sh"`;

test("shell -> shell: stdout (trailing newline trimmed) reaches a dependent's args and env", async () => {
  const { exitCode, byName } = await run(`name: pass_on
tasks:
  - name: produce
    type: shell
    output: true
    config: {command: /bin/sh, args: ["-c", "printf 'hello world\\n'"]}
  - name: consume
    type: shell
    depends_on: [produce]
    output: true
    config:
      command: /bin/sh
      args: ["-c", 'printf "%s|%s" "$1" "$GIVEN"', "sh", "[\${tasks.produce.output}]"]
      env: {GIVEN: "\${tasks.produce.output}!"}
`);
  expect(exitCode).toBe(0);
  expect(byName.get("produce")?.output).toBe("hello world");
  expect(byName.get("consume")?.output).toBe("[hello world]|hello world!");
});

test("http JSON body -> a field -> a shell argument", async () => {
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: () => Response.json({ release: { tag: "v1.2.3", assets: [{ name: "a.tar.gz" }], size: 42 } }),
  });
  try {
    const { exitCode, byName } = await run(`name: json_field
tasks:
  - name: fetch
    type: http
    output: true
    config: {url: "http://127.0.0.1:${server.port}/latest"}
  - name: deploy
    type: shell
    depends_on: [fetch]
    output: true
    config:
      command: /bin/sh
      args: ["-c", 'printf "%s %s %s" "$1" "$2" "$3"', "sh", "\${tasks.fetch.output.release.tag}", "\${tasks.fetch.output.release.assets.0.name}", "\${tasks.fetch.output.release.size}"]
`);
    expect(exitCode).toBe(0);
    expect(byName.get("deploy")?.output).toBe("v1.2.3 a.tar.gz 42");
  } finally {
    server.stop(true);
  }
});

test("a missing JSON field fails the dependent with a message naming it", async () => {
  const { exitCode, byName } = await run(`name: json_missing
tasks:
  - name: produce
    type: shell
    output: true
    config: {command: /bin/echo, args: ['{"a": 1}']}
  - name: consume
    type: shell
    depends_on: [produce]
    config: {command: /bin/echo, args: ["\${tasks.produce.output.b}"]}
`);
  expect(exitCode).toBe(1);
  expect(byName.get("consume")).toMatchObject({ status: "Failed", failure_kind: "missing-variable" });
  expect(byName.get("consume")?.error).toContain("has no field 'b'");
});

test("an output holding shell syntax reaches the next task as one literal argument and never runs", async () => {
  const pwned = join(scratch.dir, `pwned-${crypto.randomUUID()}`);
  const victim = join(scratch.dir, `x-${crypto.randomUUID()}`);
  writeFileSync(victim, "still here");
  const hostile = `; rm -rf ${victim} $(touch ${pwned}) \`touch ${pwned}\``;
  const { exitCode, byName } = await run(`name: hostile
tasks:
  - name: produce
    type: shell
    output: true
    config: {command: /bin/printf, args: ["%s", ${JSON.stringify(hostile)}]}
  - name: consume
    type: shell
    depends_on: [produce]
    output: true
    config:
      command: /bin/sh
      args: ${ARGS_PRINTER}, "\${tasks.produce.output}"]
      env: {GIVEN: "\${tasks.produce.output}"}
`);
  expect(exitCode).toBe(0);
  expect(byName.get("consume")?.output).toBe(`1\n${hostile}\nenv=${hostile}`);
  expect(existsSync(pwned)).toBe(false);
  expect(existsSync(victim)).toBe(true);
});

test("an output larger than [history] output_max_kb fails the task clearly", async () => {
  const folder = tempDir("picoflow-outputs-cap-");
  folders.push(folder);
  folder.write("picoflow.toml", "[history]\noutput_max_kb = 1\n");
  const file = folder.write("wf.yaml", `name: too_big
tasks:
  - name: produce
    type: shell
    output: true
    config: {command: /bin/sh, args: ["-c", "head -c 5000 /dev/zero | tr '\\\\0' a"]}
`);
  const db = join(folder.dir, "picoflow.db");
  const result = await runCli(["run", file, "--db-path", db], { cwd: folder.dir });
  expect(result.exitCode).toBe(1);
  const sqlite = new Database(db, { readonly: true });
  const row = sqlite.query("SELECT status, error, failure_kind, output FROM task_executions").get();
  sqlite.close();
  expect(row).toEqual({
    status: "Failed",
    error: "output is larger than 1 KB ([history] output_max_kb); the task was stopped",
    failure_kind: "output-too-large",
    output: null,
  });
});

test("resume after a crash (kill -9) feeds the stored output to the task that had not finished", async () => {
  const folder = tempDir("picoflow-outputs-resume-");
  folders.push(folder);
  const started = join(folder.dir, "started");
  const go = join(folder.dir, "go");
  const counter = join(folder.dir, "produced");
  const file = folder.write("wf.yaml", `name: crashy
tasks:
  - name: produce
    type: shell
    output: true
    config: {command: /bin/sh, args: ["-c", 'echo once >> ${counter}; echo "token-$$"']}
  - name: consume
    type: shell
    depends_on: [produce]
    output: true
    config:
      command: /bin/sh
      args: ["-c", 'if [ -e ${go} ]; then printf "got %s" "$1"; else touch ${started}; exec sleep 60; fi', "sh", "\${tasks.produce.output}"]
`);
  const db = join(folder.dir, "picoflow.db");
  const child = Bun.spawn([...picoflowCommand(), "run", file, "--db-path", db], { cwd: folder.dir, stdout: "ignore", stderr: "ignore", env: { ...process.env, PICOFLOW_LOG_FORMAT: "json" } });
  await waitFor(() => existsSync(started), 30_000, "the task to start");
  child.kill("SIGKILL");
  await child.exited;
  writeFileSync(go, "");
  const sqlite = () => new Database(db, { readonly: true });
  const first = sqlite();
  const { id } = first.query("SELECT id FROM workflow_executions").get() as { id: string };
  const produced = (first.query("SELECT output FROM task_executions WHERE task_name = 'produce'").get() as { output: string }).output;
  first.close();
  expect(produced).toStartWith("token-");

  const resumed = await runCli(["run", "--resume", id, "--db-path", db], { cwd: folder.dir });
  expect(resumed.exitCode).toBe(0);
  const after = sqlite();
  const consume = after.query("SELECT output FROM task_executions WHERE task_name = 'consume' AND status = 'Success'").get() as { output: string };
  const produceRuns = after.query("SELECT COUNT(*) AS n FROM task_executions WHERE task_name = 'produce'").get() as { n: number };
  after.close();
  expect(consume.output).toBe(`got ${produced}`);
  expect(produceRuns.n).toBe(1);
  expect(await Bun.file(counter).text()).toBe("once\n");
});

test("an http output never carries a substituted secret, and is never substituted into again", async () => {
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (request) => new Response(`token=${request.headers.get("x-token")} \${HOME}`) });
  const secret = `s3cr3t-${crypto.randomUUID()}`;
  try {
    const result = await runWorkflowInFolder<Row>(
      `name: secret_echo
tasks:
  - name: echo
    type: http
    output: true
    config: {url: "http://127.0.0.1:${server.port}/", headers: {X-Token: "\${OUTPUT_TEST_TOKEN}"}}
  - name: forward
    type: http
    depends_on: [echo]
    output: true
    config: {url: "http://127.0.0.1:${server.port}/", headers: {X-Token: "\${tasks.echo.output}"}}
`,
      { prefix: "picoflow-outputs-secret-", orderBy: "started_at", env: { OUTPUT_TEST_TOKEN: secret } },
    );
    folders.push(result.folder);
    expect(result.exitCode).toBe(0);
    const outputs = result.rows.map((row) => row.output);
    expect(outputs[0]).toBe("token=${OUTPUT_TEST_TOKEN} ${HOME}");
    // The second request sent the first output as it is: neither ${...} inside it was expanded.
    expect(outputs[1]).toBe("token=token=${OUTPUT_TEST_TOKEN} ${HOME} ${HOME}");
    expect(JSON.stringify(result.rows)).not.toContain(secret);
  } finally {
    server.stop(true);
  }
});
