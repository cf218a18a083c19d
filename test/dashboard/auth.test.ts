import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { daemonDir, started } from "../daemon/helpers.ts";
import { type DashboardDaemon, finished, getJson, startDashboardDaemon, WORKFLOWS } from "./helpers.ts";

const TOKEN = "s3cret-token-for-tests";

describe("with a dashboard token", () => {
  let d: DashboardDaemon;
  beforeAll(async () => {
    d = await startDashboardDaemon({ PICOFLOW_DASHBOARD_TOKEN: TOKEN });
  }, 60_000);
  afterAll(() => d?.cleanup());

  test("the API refuses without the token (401, JSON) or with a wrong one, and works with it", async () => {
    const attempts: Record<string, string>[] = [{}, { authorization: "Bearer wrong" }, { authorization: `Basic ${TOKEN}` }, { cookie: `picoflow_session=${TOKEN}` }];
    for (const headers of attempts) {
      const { status, body, headers: answer } = await getJson<{ error: string }>(`${d.base}/api/v1/workflows`, { headers });
      expect(status).toBe(401);
      expect(body.error).toBe("this API needs the dashboard token: send Authorization: Bearer TOKEN");
      expect(answer.get("www-authenticate")).toBe('Bearer realm="picoflow"');
    }
    const refused = await getJson<{ error: string }>(`${d.base}/api/v1/workflows/demo/runs`, { method: "POST" });
    expect(refused.status).toBe(401);
    const bearer = { authorization: `Bearer ${TOKEN}` };
    expect((await getJson<{ workflows: unknown[] }>(`${d.base}/api/v1/workflows`, { headers: bearer })).body.workflows).toHaveLength(4);
    const run = await getJson<{ execution_id: string }>(`${d.base}/api/v1/workflows/demo/runs`, { method: "POST", headers: bearer });
    expect(run.status).toBe(202);
    expect((await finished(d.base, run.body.execution_id, bearer)).status).toBe("Success");
  });

  test("pages show the login form (401) until it is sent the token; then an HttpOnly SameSite=Strict cookie opens them", async () => {
    const page = await fetch(`${d.base}/workflows/demo`);
    expect(page.status).toBe(401);
    const form = await page.text();
    expect(form).toContain('<form class="login" method="post" action="/login">');
    expect(form).toContain('<input type="hidden" name="next" value="/workflows/demo">');
    expect(form).not.toContain("hello from prepare");

    const wrong = await fetch(`${d.base}/login`, { method: "POST", body: new URLSearchParams({ token: "nope", next: "/workflows/demo" }), redirect: "manual" });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("set-cookie")).toBeNull();
    expect(await wrong.text()).toContain("That token is not right.");

    const right = await fetch(`${d.base}/login`, { method: "POST", body: new URLSearchParams({ token: TOKEN, next: "/workflows/demo" }), redirect: "manual" });
    expect(right.status).toBe(303);
    expect(right.headers.get("location")).toBe("/workflows/demo");
    const cookie = right.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^picoflow_session=[0-9a-f]{64}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    expect(cookie).not.toContain(TOKEN);
    const session = cookie.split(";")[0] as string;
    const opened = await fetch(`${d.base}/workflows/demo`, { headers: { cookie: session } });
    expect(opened.status).toBe(200);
    expect(await opened.text()).toContain("<h1>demo</h1>");
    // The cookie opens the API too (the pages' own script uses it).
    expect((await fetch(`${d.base}/api/v1/workflows`, { headers: { cookie: session } })).status).toBe(200);
  });

  test("a login body bigger than a form is refused unread (413)", async () => {
    const huge = await fetch(`${d.base}/login`, { method: "POST", body: new URLSearchParams({ token: TOKEN, pad: "x".repeat(20_000) }), redirect: "manual" });
    expect(huge.status).toBe(413);
    expect(huge.headers.get("set-cookie")).toBeNull();
  });

  test("login never sends you off-site; the stylesheet, script and /metrics need no token", async () => {
    const offsite = await fetch(`${d.base}/login`, { method: "POST", body: new URLSearchParams({ token: TOKEN, next: "//evil.example/" }), redirect: "manual" });
    expect(offsite.headers.get("location")).toBe("/");
    expect((await fetch(`${d.base}/assets/dashboard.css`)).status).toBe(200);
    expect((await fetch(`${d.base}/metrics`)).status).toBe(200);
  });

  test("a form posted from another site is refused even with the session cookie", async () => {
    const login = await fetch(`${d.base}/login`, { method: "POST", body: new URLSearchParams({ token: TOKEN }), redirect: "manual" });
    const session = (login.headers.get("set-cookie") ?? "").split(";")[0] as string;
    const forged = await fetch(`${d.base}/workflows/demo/run`, { method: "POST", headers: { cookie: session, origin: "http://evil.example" }, redirect: "manual" });
    expect(forged.status).toBe(403);
  });
});

describe("binding beyond loopback", () => {
  let folder: ReturnType<typeof daemonDir>;
  beforeEach(() => {
    folder = daemonDir();
  });
  afterEach(() => folder.cleanup());

  test("without a token the daemon refuses to start, saying what to set", async () => {
    const file = folder.write("demo.yaml", WORKFLOWS.demo);
    folder.write("picoflow.toml", '[metrics]\nbind_address = "0.0.0.0"\n');
    const daemon = folder.start([file]);
    expect(await daemon.exited).toBe(1);
    expect(daemon.stderr()).toContain(
      "error: refusing to serve the dashboard on 0.0.0.0 without a token: anyone on the network could run workflows. Set [dashboard] token (or PICOFLOW_DASHBOARD_TOKEN), bind [metrics] bind_address to 127.0.0.1, or set [dashboard] enabled = false",
    );
  });

  test("with [dashboard] enabled = false only /metrics is served, and the API paths are 404", async () => {
    const file = folder.write("demo.yaml", WORKFLOWS.demo);
    folder.write("picoflow.toml", "[dashboard]\nenabled = false\n");
    const daemon = folder.start([file]);
    const serving = await daemon.waitForLog((line) => line.msg === "serving metrics");
    const base = new URL("/", String(serving.url)).href;
    expect((await fetch(`${base}metrics`)).status).toBe(200);
    expect((await fetch(`${base}api/v1/workflows`)).status).toBe(404);
    expect((await fetch(`${base}`)).status).toBe(404);
  });

  test("the token is the daemon's own: tasks do not inherit PICOFLOW_DASHBOARD_TOKEN", async () => {
    const file = folder.write("envcheck.yaml", "name: envcheck\ntasks:\n  - name: env\n    type: shell\n    config: {command: /usr/bin/env}\n");
    const daemon = folder.start([file], { PICOFLOW_DASHBOARD_TOKEN: TOKEN, PICOFLOW_TEST_MARKER: "inherited" });
    // Until "daemon started" the listener may answer 503 (it opens before the daemon attaches).
    await started(daemon);
    const serving = await daemon.waitForLog((line) => line.msg === "serving metrics");
    const base = new URL("/", String(serving.url)).href.replace(/\/$/, "");
    const bearer = { authorization: `Bearer ${TOKEN}` };
    const run = await getJson<{ execution_id: string }>(`${base}/api/v1/workflows/envcheck/runs`, { method: "POST", headers: bearer });
    const done = await finished(base, run.body.execution_id, bearer);
    const output = done.tasks[0]?.attempts[0]?.stdout_tail ?? "";
    expect(output).toContain("PICOFLOW_TEST_MARKER=inherited");
    expect(output).not.toContain("PICOFLOW_DASHBOARD_TOKEN");
    expect(output).not.toContain(TOKEN);
  });
});
