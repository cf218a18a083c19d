import { describe, expect, test } from "bun:test";
import { parseWorkflow } from "../../src/workflow/load.ts";
import type { HttpTask, ShellTask, SshTask } from "../../src/workflow/model.ts";
import { TEST_DEFAULTS } from "../helpers/engine.ts";

const yaml = `name: resolved
config: {retry_default: 2, timeout_default: 40, max_parallel: 3}
tasks:
  - {name: plain, type: shell, config: {command: /bin/true}}
  - {name: own, type: shell, retry: 0, timeout: 5000, continue_on_failure: true, depends_on: [plain, plain], config: {command: /bin/true}}
  - {name: remote, type: ssh, config: {host: 127.0.0.1, user: me, command: uptime, key_path: keys/id_ed25519}}
  - {name: home_key, type: ssh, config: {host: 127.0.0.1, user: me, command: uptime, key_path: "~/.ssh/k"}}
  - {name: api, type: http, config: {url: "https://127.0.0.1/x", method: post, ca_file: certs/ca.pem}}
`;

describe("resolution", () => {
  const { workflow, warnings } = parseWorkflow(yaml, "/srv/flows/resolved.yaml", { ...TEST_DEFAULTS, maxTimeoutSeconds: 3600 });
  const task = <T>(name: string) => workflow.tasks.find((t) => t.name === name) as T;

  test("task fields override the workflow's config, which overrides the defaults", () => {
    expect(workflow.maxParallel).toBe(3);
    expect(task<ShellTask>("plain")).toMatchObject({ retry: { retries: 2, initialBackoffMs: 50 }, timeoutMs: 40_000, continueOnFailure: false });
    expect(task<ShellTask>("own")).toMatchObject({ retry: { retries: 0 }, continueOnFailure: true, dependsOn: ["plain"] });
  });

  test("[timeout] max_seconds caps a task's timeout, with a warning", () => {
    expect(task<ShellTask>("own").timeoutMs).toBe(3_600_000);
    expect(warnings.map((w) => w.message)).toContain("timeout 5000s is above [timeout] max_seconds; capped to 3600s");
  });

  test("key_path and ca_file are relative to the workflow file; ~ is left for the executor", () => {
    expect(task<SshTask>("remote")).toMatchObject({ keyPath: "/srv/flows/keys/id_ed25519", port: 22, connectTimeoutMs: 30_000 });
    expect(task<SshTask>("home_key").keyPath).toBe("~/.ssh/k");
    expect(task<HttpTask>("api")).toMatchObject({ caFile: "/srv/flows/certs/ca.pem", method: "POST", requestTimeoutMs: 30_000, expectedStatus: undefined });
  });
});
