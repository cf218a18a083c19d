/** HTTP tasks through the real CLI and engine: retries per the retry policy, history rows, secrets kept out. */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { runWorkflowInFolder } from "../helpers/cli.ts";

// Real servers and processes on a shared 2-core machine: generous bounds, no tight timing.
setDefaultTimeout(60_000);

const SECRET = "s3cr3t-token-for-engine-test";
let server: ReturnType<typeof Bun.serve>;
let flakyCalls = 0;

beforeAll(() => {
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request) {
      const path = new URL(request.url).pathname;
      if (path === "/flaky") {
        flakyCalls++;
        return flakyCalls < 3 ? new Response("not yet\n", { status: 503 }) : new Response("ready\n");
      }
      return new Response(`auth was ${request.headers.get("authorization")}\n`);
    },
  });
});

afterAll(() => server.stop(true));

interface Row {
  task_name: string;
  status: string;
  attempt: number;
  exit_code: number | null;
  stdout: string | null;
  stderr: string | null;
  error: string | null;
  failure_kind: string | null;
  log_path: string | null;
}

/** Runs one workflow through the CLI in a fresh folder whose picoflow.toml keeps retry backoff short. */
async function runWorkflow(yaml: string, env: Record<string, string> = {}) {
  const { folder: tmp, ...result } = await runWorkflowInFolder<Row>(yaml, { prefix: "picoflow-http-engine-", orderBy: "task_name, attempt", env });
  return { ...result, tmp };
}

function allFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: false })
    .map((name) => join(dir, String(name)))
    .filter((path) => statSync(path).isFile());
}

test("a refused port is retried per the retry policy, then fails the workflow", async () => {
  const closed = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const port = closed.port;
  closed.stop(true);
  const { exitCode, rows, stdout, tmp } = await runWorkflow(`
name: refused
tasks:
  - name: ping
    type: http
    retry: 2
    config:
      url: "http://127.0.0.1:${port}/health"
`);
  try {
    expect(exitCode).toBe(1);
    expect(rows.map((row) => [row.attempt, row.status, row.failure_kind])).toEqual([
      [1, "Failed", "connection-refused"],
      [2, "Failed", "connection-refused"],
      [3, "Failed", "connection-refused"],
    ]);
    expect(rows[2]?.error).toBe(`GET http://127.0.0.1:${port}/health: connection refused by 127.0.0.1:${port}`);
    expect(stdout).toContain("will retry");
  } finally {
    tmp.cleanup();
  }
});

test("a failing status is retried until the server recovers; history keeps each attempt's body and status", async () => {
  flakyCalls = 0;
  const { exitCode, rows, tmp } = await runWorkflow(`
name: flaky
tasks:
  - name: wait_ready
    type: http
    retry: 3
    config:
      url: "http://127.0.0.1:${server.port}/flaky"
      expected_status: [200]
`);
  try {
    expect(exitCode).toBe(0);
    expect(rows.map((row) => [row.attempt, row.status])).toEqual([
      [1, "Failed"],
      [2, "Failed"],
      [3, "Success"],
    ]);
    expect(rows[0]?.failure_kind).toBe("http-status");
    expect(rows[0]?.stdout).toBe("not yet\n");
    expect(rows[0]?.stderr).toContain("HTTP 503");
    expect(rows[2]?.stdout).toBe("ready\n");
    expect(rows[2]?.stderr).toContain("HTTP 200");
    const log = readFileSync(rows[2]?.log_path as string, "utf8");
    expect(log).toContain("not yet");
    expect(log).toContain("ready");
  } finally {
    tmp.cleanup();
  }
});

test("a substituted secret appears nowhere: not in the database file, the logs or the CLI output", async () => {
  const { exitCode, rows, stdout, stderr, tmp } = await runWorkflow(
    `
name: secret
tasks:
  - name: call
    type: http
    config:
      url: "http://127.0.0.1:${server.port}/echo"
      headers:
        Authorization: "Bearer \${API_TOKEN}"
  - name: missing
    type: http
    config:
      url: "http://127.0.0.1:${server.port}/echo"
      headers:
        Authorization: "Bearer \${NOT_SET_ANYWHERE}"
`,
    { API_TOKEN: SECRET, PICOFLOW_LOG_LEVEL: "debug" },
  );
  try {
    expect(exitCode).toBe(1);
    const call = rows.find((row) => row.task_name === "call");
    expect(call?.status).toBe("Success");
    expect(call?.stdout).toBe("auth was Bearer ${API_TOKEN}\n");
    const missing = rows.find((row) => row.task_name === "missing");
    expect(missing?.failure_kind).toBe("missing-variable");
    expect(missing?.error).toBe("environment variable NOT_SET_ANYWHERE is not set (used in headers.Authorization)");
    expect(stdout + stderr).not.toContain(SECRET);
    for (const file of allFiles(tmp.dir)) expect(readFileSync(file).includes(SECRET)).toBe(false);
  } finally {
    tmp.cleanup();
  }
});
