/** The HTTP executor against real servers on 127.0.0.1 (plain and TLS), through the real log-file output. */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { httpExecutor } from "../../src/executors/http.ts";
import type { HttpMethod, HttpRequestLine, HttpTask } from "../../src/workflow/model.ts";
import { runAttempt, taskBase } from "../helpers/attempt.ts";
import { tempDir } from "../helpers/cli.ts";
import { selfSignedCert } from "../helpers/tls.ts";
import { waitFor } from "../helpers/wait-for.ts";

// Real servers and processes on a shared 2-core machine: generous bounds, no tight timing.
setDefaultTimeout(60_000);

const tmp = tempDir("picoflow-http-");
let received: { method: string; path: string; headers: Headers; body: string }[] = [];
let server: ReturnType<typeof Bun.serve>;
let tlsServer: ReturnType<typeof Bun.serve>;
let base = "";
let certPath = "";

beforeAll(async () => {
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const url = new URL(request.url);
      received.push({ method: request.method, path: url.pathname, headers: request.headers, body: await request.text() });
      if (url.pathname === "/status") return new Response(`status ${url.searchParams.get("code")}`, { status: Number(url.searchParams.get("code")) });
      if (url.pathname === "/echo-auth") return new Response(`you sent: ${request.headers.get("authorization")}\n`);
      if (url.pathname === "/slow-headers") {
        await Bun.sleep(30_000);
        return new Response("late");
      }
      if (url.pathname === "/stalled-body") {
        // Headers at once, then a body that never ends: only a whole-response timeout catches it.
        const stream = new ReadableStream({
          async start(controller) {
            controller.enqueue(new TextEncoder().encode("first part\n"));
          },
        });
        return new Response(stream);
      }
      if (url.pathname === "/big") {
        const chunk = "x".repeat(64 * 1024);
        let sent = 0;
        return new Response(
          new ReadableStream({
            pull(controller) {
              if (sent >= 64) return controller.close();
              sent++;
              controller.enqueue(new TextEncoder().encode(chunk));
            },
          }),
        );
      }
      return new Response(`hello from ${url.pathname}\n`, { headers: { "content-type": "text/plain" } });
    },
  });
  base = `http://127.0.0.1:${server.port}`;

  const { certFile, keyFile: keyPath } = await selfSignedCert(tmp.dir);
  certPath = certFile;
  tlsServer = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    tls: { cert: Bun.file(certPath), key: Bun.file(keyPath) },
    fetch: () => new Response("secure hello\n"),
  });
});

afterAll(() => {
  server.stop(true);
  tlsServer.stop(true);
  tmp.cleanup();
});

/** Any field of an HTTP task; a body only with a method that may carry one, as in the model. */
type HttpOverrides = Partial<Omit<HttpTask, "method" | "body">> &
  ({ method?: "GET"; body?: undefined } | { method: Exclude<HttpMethod, "GET">; body?: unknown });

function httpTask(overrides: HttpOverrides = {}): HttpTask {
  const { method = "GET", body, ...rest } = overrides;
  const requestLine: HttpRequestLine = method === "GET" ? { method, body: undefined } : { method, body };
  return {
    type: "http",
    ...taskBase("call"),
    url: `${base}/`,
    headers: {},
    requestTimeoutMs: 30_000,
    expectedStatus: undefined,
    caFile: undefined,
    ...rest,
    ...requestLine,
  };
}

/** Runs one attempt through the real log-file output; returns the outcome, the log file and the database tails. */
function attempt(task: HttpTask, env: Record<string, string | undefined> = {}, signal = new AbortController().signal) {
  return runAttempt(httpExecutor, task, tmp.dir, { env, signal });
}

describe("requests", () => {
  test("GET succeeds on 2xx and streams the body to the log and the stdout tail", async () => {
    received = [];
    const result = await attempt(httpTask({ url: `${base}/health`, headers: { "X-Probe": "yes" } }));
    expect(result.outcome).toEqual({ ok: true, exitCode: null });
    expect(received).toHaveLength(1);
    expect(received[0]?.method).toBe("GET");
    expect(received[0]?.headers.get("x-probe")).toBe("yes");
    expect(result.stdoutTail).toBe("hello from /health\n");
    expect(result.stderrTail).toMatch(/^HTTP 200 OK after \d+ ms\nreceived 19 bytes in \d+ ms\n$/);
    expect(result.log).toContain(`request: GET ${base}/health`);
    expect(result.log).toContain("hello from /health");
  });

  for (const method of ["POST", "PUT", "PATCH", "DELETE"] as const) {
    test(`${method} sends the method, the headers and the JSON body`, async () => {
      received = [];
      const body = { name: "New Resource", tags: ["a", "b"], count: 3, nested: { ok: true } };
      const result = await attempt(httpTask({ url: `${base}/resources`, method, headers: { "X-Request-Id": "42" }, body }));
      expect(result.outcome.ok).toBe(true);
      const request = received[0];
      expect(request?.method).toBe(method);
      expect(request?.headers.get("content-type")).toBe("application/json");
      expect(request?.headers.get("x-request-id")).toBe("42");
      expect(JSON.parse(request?.body ?? "")).toEqual(body);
    });
  }

  test("an explicit Content-Type header wins over the JSON default", async () => {
    received = [];
    await attempt(httpTask({ method: "POST", headers: { "Content-Type": "application/vnd.api+json" }, body: { a: 1 } }));
    expect(received[0]?.headers.get("content-type")).toBe("application/vnd.api+json");
  });

  test("a GET with a body cannot be written down: load.ts refuses it, the model has no room for it", () => {
    // @ts-expect-error a GET task has no body (the type check fails if the model allows one again)
    const getWithBody: HttpRequestLine = { method: "GET", body: { a: 1 } };
    expect(getWithBody.method).toBe("GET");
  });

  test("a header name HTTP does not allow fails the task naming the header, not its value", async () => {
    received = [];
    const bad = await attempt(httpTask({ headers: { "Bad Header": "x" } }));
    expect(bad.outcome).toMatchObject({ ok: false, kind: "config", message: 'headers.Bad Header: not a valid HTTP header name, or its value holds a line break' });
    const split = await attempt(httpTask({ headers: { "X-Token": "${MULTILINE}" } }), { MULTILINE: "line1\nline2" });
    expect(split.outcome).toMatchObject({ ok: false, kind: "config" });
    if (!split.outcome.ok) expect(split.outcome.message).not.toContain("line1");
    expect(received).toHaveLength(0);
  });

  test("a large body is streamed: the log file stops at its cap and the tail stays bounded", async () => {
    const result = await attempt(httpTask({ url: `${base}/big` }));
    expect(result.outcome.ok).toBe(true);
    expect(result.stdoutTail.length).toBe(16 * 1024);
    expect(result.log).toContain("output truncated");
    expect(result.log.length).toBeLessThan(1024 * 1024 + 4096);
    expect(result.stderrTail).toContain(`received ${64 * 64 * 1024} bytes`);
  });
});

describe("status rules", () => {
  test("a 500 fails with the status and the expected range, after recording the body", async () => {
    const result = await attempt(httpTask({ url: `${base}/status?code=500` }));
    expect(result.outcome).toMatchObject({ ok: false, kind: "http-status", exitCode: null });
    if (!result.outcome.ok) expect(result.outcome.message).toBe(`GET ${base}/status?code=500 returned HTTP 500; expected 200-299`);
    expect(result.stdoutTail).toBe("status 500");
  });

  test("expected_status accepts exactly the listed codes", async () => {
    const notFound = await attempt(httpTask({ method: "DELETE", url: `${base}/status?code=404`, expectedStatus: [200, 204, 404] }));
    expect(notFound.outcome.ok).toBe(true);
    const created = await attempt(httpTask({ url: `${base}/status?code=201`, expectedStatus: [200] }));
    expect(created.outcome).toMatchObject({ ok: false, kind: "http-status" });
    if (!created.outcome.ok) expect(created.outcome.message).toContain("returned HTTP 201; expected 200");
  });
});

describe("network failures", () => {
  test("no response headers within config.timeout fails as a timeout", async () => {
    const started = Date.now();
    const { outcome } = await attempt(httpTask({ url: `${base}/slow-headers`, requestTimeoutMs: 1000 }));
    expect(outcome).toMatchObject({ ok: false, kind: "timeout" });
    if (!outcome.ok) expect(outcome.message).toBe(`GET ${base}/slow-headers: no complete response within 1s (config.timeout)`);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  test("the timeout also covers the body: a stalled body fails, keeping what arrived", async () => {
    const result = await attempt(httpTask({ url: `${base}/stalled-body`, requestTimeoutMs: 1000 }));
    expect(result.outcome).toMatchObject({ ok: false, kind: "timeout" });
    expect(result.stdoutTail).toBe("first part\n");
  });

  test("a refused port fails naming the host and port", async () => {
    const closed = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
    const port = closed.port;
    closed.stop(true);
    const { outcome } = await attempt(httpTask({ url: `http://127.0.0.1:${port}/x` }));
    expect(outcome).toMatchObject({ ok: false, kind: "connection-refused" });
    if (!outcome.ok) expect(outcome.message).toBe(`GET http://127.0.0.1:${port}/x: connection refused by 127.0.0.1:${port}`);
  });

  test("the task's signal (timeout or interruption) stops the request at once", async () => {
    received = [];
    const controller = new AbortController();
    const running = attempt(httpTask({ url: `${base}/slow-headers` }), {}, controller.signal);
    // Aborted while the server holds the request.
    await waitFor(() => received.some((request) => request.path === "/slow-headers"), 20_000, "the request to reach the server");
    const abortedAt = Date.now();
    controller.abort("timeout");
    const { outcome } = await running;
    expect(outcome.ok).toBe(false);
    expect(Date.now() - abortedAt).toBeLessThan(10_000);
  });
});

describe("${VAR} substitution", () => {
  const env = { API_TOKEN: "tok-3f9a-very-secret", REGION: "eu-west-1" };

  test("url, header and body values are substituted; $${VAR} stays literal", async () => {
    received = [];
    const result = await attempt(
      httpTask({
        url: "http://${API_HOST}/deploy",
        method: "POST",
        headers: { Authorization: "Bearer ${API_TOKEN}" },
        body: { region: "${REGION}", template: "$${REGION}", list: ["${REGION}"], count: 1 },
      }),
      { ...env, API_HOST: `127.0.0.1:${server.port}` },
    );
    expect(result.outcome.ok).toBe(true);
    expect(received[0]?.path).toBe("/deploy");
    expect(received[0]?.headers.get("authorization")).toBe("Bearer tok-3f9a-very-secret");
    expect(JSON.parse(received[0]?.body ?? "")).toEqual({ region: "eu-west-1", template: "${REGION}", list: ["eu-west-1"], count: 1 });
    // The log shows the url as written.
    expect(result.log).toContain("request: POST http://${API_HOST}/deploy");
  });

  test("substituted values never reach the log or the tails, even when the server echoes them", async () => {
    const result = await attempt(httpTask({ url: `${base}/echo-auth`, headers: { Authorization: "Bearer ${API_TOKEN}" } }), env);
    expect(result.outcome.ok).toBe(true);
    expect(result.stdoutTail).toBe("you sent: Bearer ${API_TOKEN}\n");
    for (const text of [result.log, result.stdoutTail, result.stderrTail]) expect(text).not.toContain(env.API_TOKEN);
  });

  test("a failure message hides substituted values too", async () => {
    const closed = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
    const port = String(closed.port);
    closed.stop(true);
    const { outcome, log } = await attempt(httpTask({ url: "http://127.0.0.1:${SECRET_PORT}/" }), { SECRET_PORT: port });
    expect(outcome).toMatchObject({ ok: false, kind: "connection-refused" });
    if (!outcome.ok) expect(outcome.message).toBe("GET http://127.0.0.1:${SECRET_PORT}/: connection refused by 127.0.0.1:${SECRET_PORT}");
    expect(log).not.toContain(`:${port}`);
  });

  test("an unset variable fails the task by name and sends nothing", async () => {
    received = [];
    const { outcome } = await attempt(httpTask({ url: `${base}/x`, headers: { Authorization: "Bearer ${DEPLOY_TOKEN}" } }), {});
    expect(outcome).toEqual({
      ok: false,
      kind: "missing-variable",
      message: "environment variable DEPLOY_TOKEN is not set (used in headers.Authorization)",
      exitCode: null,
    });
    expect(received).toHaveLength(0);
  });
});

describe("HTTPS", () => {
  test("a self-signed server is refused as a TLS failure that suggests ca_file", async () => {
    const { outcome } = await attempt(httpTask({ url: `https://127.0.0.1:${tlsServer.port}/` }));
    expect(outcome).toMatchObject({ ok: false, kind: "tls" });
    if (!outcome.ok) {
      expect(outcome.message).toContain(`TLS certificate of 127.0.0.1:${tlsServer.port} not accepted`);
      expect(outcome.message).toContain("set config.ca_file");
    }
  });

  test("ca_file makes the private CA trusted", async () => {
    const result = await attempt(httpTask({ url: `https://127.0.0.1:${tlsServer.port}/`, caFile: certPath }));
    expect(result.outcome.ok).toBe(true);
    expect(result.stdoutTail).toBe("secure hello\n");
  });

  test("a missing or malformed ca_file fails naming the file", async () => {
    const url = `https://127.0.0.1:${tlsServer.port}/`;
    const missing = join(tmp.dir, "nope.pem");
    const garbage = tmp.write("garbage.pem", "this is not a certificate\n");
    const broken = tmp.write("broken.pem", "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n");
    expect((await attempt(httpTask({ url, caFile: missing }))).outcome).toMatchObject({ kind: "config", message: `cannot read ca_file ${missing}: no such file` });
    expect((await attempt(httpTask({ url, caFile: garbage }))).outcome).toMatchObject({
      kind: "config",
      message: `ca_file ${garbage} contains no PEM certificate (-----BEGIN CERTIFICATE-----)`,
    });
    expect((await attempt(httpTask({ url, caFile: broken }))).outcome).toMatchObject({
      kind: "config",
      message: `ca_file ${broken}: certificate 1 is not a valid PEM certificate`,
    });
  });
});
