/** `picoflow validate` on HTTP and SSH task configs: every problem at once, each at its file:line:col, exit 2. */
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { resolve } from "node:path";
import { runCli, tempDir } from "../helpers/cli.ts";

// Real servers and processes on a shared 2-core machine: generous bounds, no tight timing.
setDefaultTimeout(60_000);

const tmp = tempDir("picoflow-validate-http-ssh-");
afterAll(() => tmp.cleanup());

async function validate(name: string, yaml: string) {
  const file = tmp.write(name, yaml);
  const result = await runCli(["validate", file], { cwd: tmp.dir });
  const errors = result.stderr.split("\n").filter((line) => line.startsWith("error: "));
  return { ...result, file, errors };
}

test("bad HTTP fields are reported together, each at its position", async () => {
  const { exitCode, file, errors } = await validate(
    "bad-http.yaml",
    `name: bad-http
tasks:
  - name: api
    type: http
    config:
      url: "ftp://example.com/x"
      method: FETCH
      headers:
        X-Count: 3
        X-Nested: { a: 1 }
      timeout: 0
      expected_status: [200, 700]
  - name: no_url
    type: http
    config:
      method: GET
  - name: typo
    type: http
    config:
      url: "https://api.example.com/x"
      header: {}
  - name: headers_as_text
    type: http
    config:
      url: "https://api.example.com/x"
      headers: "Authorization: x"
      expected_status: []
`,
  );
  expect(exitCode).toBe(2);
  expect(errors).toEqual([
    `error: ${file}:6:12: task 'api': config.url: must be a full http:// or https:// URL (got "ftp://example.com/x")`,
    `error: ${file}:7:15: task 'api': config.method: must be one of GET, POST, PUT, DELETE, PATCH (got "FETCH")`,
    `error: ${file}:10:19: task 'api': config.headers.X-Nested: must be a string (got Object)`,
    `error: ${file}:11:16: task 'api': config.timeout: must be at least 1 (got 0)`,
    `error: ${file}:12:30: task 'api': config.expected_status.1: must be at most 599 (got 700)`,
    `error: ${file}:16:7: task 'no_url': config: missing required field "url"`,
    `error: ${file}:21:7: task 'typo': config: unknown field "header"`,
    `error: ${file}:26:16: task 'headers_as_text': config.headers: expected a mapping, got "Authorization: x"`,
    `error: ${file}:27:24: task 'headers_as_text': config.expected_status: must list at least one status (got 0)`,
  ]);
});

test("bad SSH fields are reported together, each at its position", async () => {
  const { exitCode, file, errors } = await validate(
    "bad-ssh.yaml",
    `name: bad-ssh
tasks:
  - name: remote
    type: ssh
    config:
      host: "deploy@web1"
      port: 70000
      user: "de ploy"
      command: ""
      key_path: 5
      timeout: -1
  - name: zero_port
    type: ssh
    config:
      host: web1
      port: 0
      user: deploy
      command: ls
  - name: password
    type: ssh
    config:
      host: web1
      user: deploy
      command: ls
      password: hunter2
  - name: bare
    type: ssh
    config:
      user: deploy
`,
  );
  expect(exitCode).toBe(2);
  expect(errors).toEqual([
    `error: ${file}:6:13: task 'remote': config.host: must be a host name or address, without spaces, '@' or '/' (got "deploy@web1")`,
    `error: ${file}:7:13: task 'remote': config.port: must be at most 65535 (got 70000)`,
    `error: ${file}:8:13: task 'remote': config.user: must not contain spaces or '@' (got "de ploy")`,
    `error: ${file}:9:16: task 'remote': config.command: must not be empty (got 0)`,
    `error: ${file}:10:17: task 'remote': config.key_path: expected a string, got 5`,
    `error: ${file}:11:16: task 'remote': config.timeout: must be at least 1 (got -1)`,
    `error: ${file}:16:13: task 'zero_port': config.port: must be at least 1 (got 0)`,
    `error: ${file}:25:7: task 'password': config: unknown field "password"`,
    `error: ${file}:29:7: task 'bare': config: missing required field "host"`,
    `error: ${file}:29:7: task 'bare': config: missing required field "command"`,
  ]);
});

test("valid HTTP and SSH tasks pass: lower-case methods, ${VAR} hosts, IPv6 hosts, every optional field", async () => {
  const { exitCode, stdout, stderr } = await validate(
    "good.yaml",
    `name: good
tasks:
  - name: api
    type: http
    config:
      url: "https://\${API_HOST}/v1/items?limit=10"
      method: patch
      headers: { Authorization: "Bearer \${TOKEN}", X-Retry: 1 }
      body: { name: "x", tags: [a, b], nested: { ok: true } }
      timeout: 10
      expected_status: [200, 204]
      ca_file: certs/ca.pem
  - name: remote
    type: ssh
    depends_on: [api]
    config:
      host: "::1"
      port: 2222
      user: deploy
      command: "uptime"
      key_path: ~/.ssh/picoflow_key
      timeout: 5
`,
  );
  expect({ exitCode, stderr }).toEqual({ exitCode: 0, stderr: "" });
  expect(stdout).toContain("Workflow 'good' is valid");
  expect(stdout).toContain("Execution order: api -> remote");
});

test("the API and multi-server examples are valid", async () => {
  for (const example of ["api-deployment.yaml", "multi-server-deploy.yaml"]) {
    const result = await runCli(["validate", resolve(import.meta.dir, "../../examples", example)]);
    expect({ example, exitCode: result.exitCode, stderr: result.stderr }).toEqual({ example, exitCode: 0, stderr: "" });
  }
});

// Gaps in src/workflow/schema.ts (not this feature's file), reported to the lead: today these pass
// `validate` and fail only when the task runs.
test("what the per-field rules cannot see is checked too: URL shape, GET with a body, header names, a port in the host", async () => {
  const { exitCode, file, errors } = await validate(
    "cross-field.yaml",
    `name: cross-field
tasks:
  - name: spaced
    type: http
    config:
      url: "http://exa mple.com/\${PATH_PART}"
  - name: get_with_body
    type: http
    config:
      url: "http://127.0.0.1:8080/x"
      body: {a: 1}
  - name: bad_header
    type: http
    config:
      url: "http://\${API_HOST}/x"
      method: POST
      body: {a: 1}
      headers:
        "X Bad Name": "1"
  - name: host_port
    type: ssh
    config: {host: "web1:2222", user: deploy, command: uptime}
`,
  );
  expect(exitCode).toBe(2);
  expect(errors).toEqual([
    `error: ${file}:6:12: task 'spaced': config.url: must be a valid URL (got "http://exa mple.com/\${PATH_PART}")`,
    `error: ${file}:11:13: task 'get_with_body': config.body: a GET request cannot have a body; set method to POST, PUT or PATCH`,
    `error: ${file}:19:9: task 'bad_header': config.headers: "X Bad Name" is not a valid header name`,
    `error: ${file}:22:20: task 'host_port': config.host: "web1:2222" includes a port; put the port in \`port\``,
  ]);
});
