/**
 * The examples for the guide's API workflow and multi-server deployment, run through the CLI
 * against local servers: an HTTPS API on 127.0.0.1 (its self-signed CA given through
 * NODE_EXTRA_CA_CERTS) and a throwaway sshd on 127.0.0.1 and ::1.
 */
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { runCli, tempDir } from "../helpers/cli.ts";
import { type Sshd, startSshd } from "../helpers/sshd.ts";
import { selfSignedCert } from "../helpers/tls.ts";

// Real servers and processes on a shared 2-core machine: generous bounds, no tight timing.
setDefaultTimeout(60_000);

const EXAMPLES = resolve(import.meta.dir, "../../examples");
const TOKEN = "deploy-token-7c1e0f";
const tmp = tempDir("picoflow-examples-");
let sshd: Sshd;
let api: ReturnType<typeof Bun.serve>;
let apiHost = "";
let caFile = "";
let requests: { method: string; path: string; auth: string | null; body: string }[] = [];
let pollsBeforeDone = 0;

beforeAll(async () => {
  const { certFile, keyFile: key } = await selfSignedCert(tmp.dir);
  caFile = certFile;
  api = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    tls: { cert: Bun.file(caFile), key: Bun.file(key) },
    async fetch(request) {
      const path = new URL(request.url).pathname;
      const auth = request.headers.get("authorization");
      requests.push({ method: request.method, path, auth, body: await request.text() });
      if (path === "/health") return Response.json({ status: "ok" });
      if (auth !== `Bearer ${TOKEN}`) return new Response("unauthorized\n", { status: 401 });
      if (path === "/api/deployments" && request.method === "POST") return Response.json({ id: 12345, state: "started" }, { status: 201 });
      if (path === "/api/deployments/latest") {
        return pollsBeforeDone-- > 0 ? Response.json({ state: "running" }, { status: 202 }) : Response.json({ state: "done" });
      }
      return new Response("not found\n", { status: 404 });
    },
  });
  apiHost = `127.0.0.1:${api.port}`;
  tmp.write("picoflow.toml", "[retry]\ninitial_backoff_seconds = 0.1\nmax_backoff_seconds = 0.2\n");
  sshd = await startSshd({ ipv6: true });
});

afterAll(async () => {
  api.stop(true);
  await sshd.stop();
  tmp.cleanup();
});

interface Row {
  task_name: string;
  status: string;
  attempt: number;
  stdout: string | null;
}

async function runExample(file: string, env: Record<string, string | undefined>, db: string) {
  const result = await runCli(["run", file, "--db-path", db], { cwd: tmp.dir, env: { NODE_EXTRA_CA_CERTS: caFile, ...env } });
  const sqlite = new Database(db, { readonly: true });
  // In the order they were recorded: a retry and the skip after it can share a millisecond.
  const rows = sqlite.query("SELECT task_name, status, attempt, stdout FROM task_executions ORDER BY rowid").all() as Row[];
  sqlite.close();
  return { ...result, rows };
}

test("api-deployment.yaml deploys, polls until done and checks health, keeping the token secret", async () => {
  requests = [];
  pollsBeforeDone = 2;
  const db = join(tmp.dir, "api.db");
  const { exitCode, rows, stdout, stderr } = await runExample(
    join(EXAMPLES, "api-deployment.yaml"),
    { DEPLOY_API: apiHost, APP_HOST: apiHost, DEPLOY_TOKEN: TOKEN },
    db,
  );
  expect({ exitCode, stderr: exitCode === 0 ? "" : stderr }).toEqual({ exitCode: 0, stderr: "" });
  expect(rows.map((row) => [row.task_name, row.attempt, row.status])).toEqual([
    ["trigger_deployment", 1, "Success"],
    ["poll_deployment_status", 1, "Failed"],
    ["poll_deployment_status", 2, "Failed"],
    ["poll_deployment_status", 3, "Success"],
    ["verify_health", 1, "Success"],
  ]);
  const trigger = requests.find((request) => request.method === "POST");
  expect(trigger?.auth).toBe(`Bearer ${TOKEN}`);
  expect(JSON.parse(trigger?.body ?? "")).toEqual({ environment: "production", version: "v1.2.3" });
  expect(rows.at(-1)?.stdout).toBe('{"status":"ok"}');
  expect(stdout).not.toContain(TOKEN);
  for (const name of readdirSync(tmp.dir, { recursive: true })) {
    const path = join(tmp.dir, String(name));
    if (statSync(path).isFile()) expect(readFileSync(path).includes(TOKEN)).toBe(false);
  }
});

test("api-deployment.yaml without DEPLOY_TOKEN fails at the first task, naming the variable", async () => {
  requests = [];
  const { exitCode, stdout, rows } = await runExample(
    join(EXAMPLES, "api-deployment.yaml"),
    { DEPLOY_API: apiHost, APP_HOST: apiHost, DEPLOY_TOKEN: undefined },
    join(tmp.dir, "api-unset.db"),
  );
  expect(exitCode).toBe(1);
  expect(stdout).toContain("environment variable DEPLOY_TOKEN is not set (used in headers.Authorization)");
  expect(rows.map((row) => [row.task_name, row.status])).toEqual([
    ["trigger_deployment", "Failed"],
    ["trigger_deployment", "Failed"],
    ["poll_deployment_status", "Skipped"],
    ["verify_health", "Skipped"],
  ]);
  expect(requests).toHaveLength(0);
});

test("multi-server-deploy.yaml deploys to both servers over SSH, then verifies over HTTPS", async () => {
  // The example names port 2222 and user "deploy"; point them at the throwaway sshd.
  const second = sshd.ipv6 ? "::1" : "127.0.0.1";
  const text = readFileSync(join(EXAMPLES, "multi-server-deploy.yaml"), "utf8")
    .replaceAll("port: 2222", `port: ${sshd.port}`)
    .replaceAll("user: deploy", `user: ${sshd.user}`)
    .replaceAll('host: "::1"', `host: "${second}"`);
  const file = tmp.write("multi-server-deploy.yaml", text);
  writeFileSync(sshd.knownHostsPath, `${sshd.knownHostsLine("127.0.0.1")}\n${sshd.knownHostsLine(second)}\n`);
  const logins = sshd.count("Accepted publickey");
  const { exitCode, rows, stderr } = await runExample(file, { HOME: sshd.home, SITE_HOST: apiHost }, join(tmp.dir, "multi.db"));
  expect({ exitCode, stderr: exitCode === 0 ? "" : stderr }).toEqual({ exitCode: 0, stderr: "" });
  const byTask = Object.fromEntries(rows.map((row) => [row.task_name, row]));
  for (const name of ["deploy_web1", "deploy_web2"]) {
    expect(byTask[name]?.status).toBe("Success");
    expect(byTask[name]?.stdout).toMatch(/^deploying v1\.2\.3 \(production\) on .+\ndeployed\n$/);
  }
  expect(byTask.verify_deployment?.status).toBe("Success");
  // Two hosts, two logins.
  expect(sshd.count("Accepted publickey")).toBe(logins + 2);
  if (sshd.ipv6) expect(sshd.log()).toMatch(/Accepted publickey for \S+ from ::1 port/);
});
