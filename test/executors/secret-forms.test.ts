/**
 * A secret must not reach history or logs in any form PicoFlow derives from it: a real echo
 * server on loopback sends back everything it received (url, headers, body).
 */
import { afterAll, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { EngineHarness, yamlWorkflow } from "../helpers/engine.ts";

const SECRET = 'p@ss w/"q"&=é:%x';
const USER = "deploy bot";

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(request) {
    const echoed = { url: request.url, headers: Object.fromEntries(request.headers), body: await request.text() };
    return new Response(JSON.stringify(echoed), { headers: { "content-type": "application/json" } });
  },
});
const harness = new EngineHarness();
afterAll(() => {
  server.stop(true);
  harness.dispose();
});

function allText(dir: string): string {
  let text = "";
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith(".log")) text += readFileSync(join(entry.parentPath, entry.name), "utf8");
  }
  return text;
}

test("percent-encoded, JSON-escaped and Basic-auth forms of a secret are redacted in history and logs", async () => {
  process.env.HARDENING_SECRET = SECRET;
  process.env.HARDENING_USER = USER;
  process.env.HARDENING_SECRET_ENC = encodeURIComponent(SECRET);
  process.env.HARDENING_USER_ENC = encodeURIComponent(USER);
  try {
    const url = `http://\${HARDENING_USER_ENC}:\${HARDENING_SECRET_ENC}@127.0.0.1:${server.port}/echo?token=\${HARDENING_SECRET_ENC}`;
    const workflow = harness.workflow(
      yamlWorkflow(
        "secret_forms",
        `  - name: call\n    type: http\n    config:\n      url: "${url}"\n      method: POST\n      headers: {X-Token: "\${HARDENING_SECRET}"}\n      body: {password: "\${HARDENING_SECRET}"}\n`,
      ),
    );
    const result = await harness.run(workflow);
    expect(result.status).toBe("Success");
    const [row] = harness.rows(result.executionId);
    const recorded = `${row?.stdout}\n${row?.stderr}\n${row?.error ?? ""}\n${allText(harness.folder.dir)}`;
    // The echo came back (the server saw the credentials) ...
    expect(recorded).toContain('"x-token"');
    expect(recorded).toContain("authorization");
    // ... but no form of the secret was kept.
    const basic = Buffer.from(`${USER}:${SECRET}`).toString("base64");
    for (const form of [SECRET, encodeURIComponent(SECRET), JSON.stringify(SECRET).slice(1, -1), basic, new URL(`http://u:${encodeURIComponent(SECRET)}@h/`).password]) {
      expect({ form, found: recorded.includes(form) }).toEqual({ form, found: false });
    }
    expect(recorded).toContain("${HARDENING_SECRET");
  } finally {
    delete process.env.HARDENING_SECRET;
    delete process.env.HARDENING_USER;
    delete process.env.HARDENING_SECRET_ENC;
    delete process.env.HARDENING_USER_ENC;
  }
});
