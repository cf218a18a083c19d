/**
 * The executor contract, one test body run against every executor: the real shell executor,
 * HTTP against a Bun.serve server on loopback, SSH against a real OpenSSH sshd. Whatever the
 * task type, success, failure, timeout and abort come out of the engine with the same shape,
 * are recorded the same way, and a stopped attempt leaves nothing running.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { writeFileSync } from "node:fs";
import type { RunEvent } from "../../src/engine/events.ts";
import type { TaskType } from "../../src/workflow/model.ts";
import { EngineHarness, processExists, yamlWorkflow } from "../helpers/engine.ts";
import { type Sshd, startSshd } from "../helpers/sshd.ts";
import { waitFor } from "../daemon/helpers.ts";

// Real processes and servers on a shared machine: generous bounds, never tight timing.
setDefaultTimeout(60_000);
/** Far longer than any test waits: a hanging attempt only ends by being stopped. */
const HANG_SECONDS = 120;
/** What "promptly" means for a stopped attempt on a busy 2-core machine. */
const PROMPT_MS = 20_000;

interface Subject {
  /** The `type:` and `config:` lines of a task that succeeds, fails, or hangs until stopped. */
  succeeds(): string;
  fails(): string;
  hangs(marker: string): string;
  /** Resolves once the hanging work has observably begun (a process, a request). */
  started(marker: string): Promise<unknown>;
  /** True while any of the hanging work still runs (local or remote process, open request). */
  stillRunning(marker: string): Promise<boolean>;
  /** The failure kind an unsuccessful run reports, and the exit code that goes with it. */
  failure: { kind: string; exitCode: number | null };
  env(): Record<string, string | undefined>;
}

let sshd: Sshd;
let server: ReturnType<typeof Bun.serve>;
/** Markers of HTTP requests the server is still answering. */
const openRequests = new Set<string>();

beforeAll(async () => {
  sshd = await startSshd();
  writeFileSync(sshd.knownHostsPath, `${sshd.knownHostsLine()}\n`);
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    // Never closed for idleness: a hanging request ends only when the client stops it.
    idleTimeout: 0,
    fetch(request) {
      const [, route, marker = ""] = new URL(request.url).pathname.split("/");
      if (route === "ok") return new Response("fine\n");
      if (route === "fail") return new Response("broken\n", { status: 500 });
      openRequests.add(marker);
      request.signal.addEventListener("abort", () => openRequests.delete(marker));
      return new Promise<Response>(() => {});
    },
  });
});
afterAll(async () => {
  server?.stop(true);
  await sshd?.stop();
});

const config = (type: TaskType, fields: string) => `    type: ${type}\n    config: {${fields}}\n`;
const sshFields = (command: string) => `host: 127.0.0.1, port: ${sshd.port}, user: ${sshd.user}, command: ${JSON.stringify(command)}`;

const SUBJECTS: Record<TaskType, Subject> = {
  shell: {
    succeeds: () => config("shell", `command: /bin/echo, args: [hello]`),
    fails: () => config("shell", `command: /bin/sh, args: ["-c", "exit 3"]`),
    // A fractional duration unique to the test, so pgrep finds exactly this process.
    hangs: (marker) => config("shell", `command: /bin/sleep, args: ["${HANG_SECONDS}.${marker}"]`),
    started: (marker) => waitFor(() => processExists(`sleep ${HANG_SECONDS}.${marker}`), PROMPT_MS, "the shell task's process"),
    stillRunning: (marker) => processExists(`sleep ${HANG_SECONDS}.${marker}`),
    failure: { kind: "exit-code", exitCode: 3 },
    env: () => process.env,
  },
  http: {
    succeeds: () => config("http", `url: "http://127.0.0.1:${server.port}/ok"`),
    fails: () => config("http", `url: "http://127.0.0.1:${server.port}/fail"`),
    hangs: (marker) => config("http", `url: "http://127.0.0.1:${server.port}/hang/${marker}", timeout: ${HANG_SECONDS}`),
    started: (marker) => waitFor(() => openRequests.has(marker), PROMPT_MS, "the HTTP request to arrive"),
    stillRunning: async (marker) => openRequests.has(marker),
    failure: { kind: "http-status", exitCode: null },
    env: () => process.env,
  },
  ssh: {
    succeeds: () => config("ssh", sshFields("echo hello")),
    fails: () => config("ssh", sshFields("exit 3")),
    hangs: (marker) => config("ssh", sshFields(`sleep ${HANG_SECONDS}.${marker}`)),
    // sshd runs the remote command on this machine, so the remote process is visible here.
    started: (marker) => waitFor(() => processExists(`sleep ${HANG_SECONDS}.${marker}`), PROMPT_MS, "the remote command"),
    stillRunning: (marker) => processExists(`sleep ${HANG_SECONDS}.${marker}`),
    failure: { kind: "exit-code", exitCode: 3 },
    env: () => ({ ...process.env, HOME: sshd.home }),
  },
};

let markers = 0;
const nextMarker = () => `${process.pid}${++markers}`;

function finished(events: RunEvent[]) {
  const found = events.filter((event) => event.type === "attempt-finished");
  expect(found).toHaveLength(1);
  return found[0] as Extract<RunEvent, { type: "attempt-finished" }>;
}

for (const [type, subject] of Object.entries(SUBJECTS) as [TaskType, Subject][]) {
  describe(`the ${type} executor keeps the contract`, () => {
    const run = async (taskLines: string, options: { timeout?: number; signal?: AbortSignal } = {}) => {
      const h = new EngineHarness();
      const timeout = options.timeout === undefined ? "" : `    timeout: ${options.timeout}\n`;
      const workflow = h.workflow(yamlWorkflow("contract", `  - name: job\n${timeout}${taskLines}`));
      const started = performance.now();
      const result = await h.run(workflow, { env: subject.env(), ...(options.signal ? { signal: options.signal } : {}) });
      const tookMs = performance.now() - started;
      const rows = h.rows(result.executionId);
      const event = finished(h.events);
      h.dispose();
      return { result, event, rows, tookMs };
    };

    test("success: Success, no failure kind or error, recorded as one Success row", async () => {
      const { result, event, rows } = await run(subject.succeeds());
      expect(result.status).toBe("Success");
      expect(event).toMatchObject({ status: "Success", failureKind: undefined, error: undefined, final: true });
      expect(rows.map((row) => [row.status, row.error])).toEqual([["Success", null]]);
    });

    test("failure: Failed with its kind, exit code and a one-line error, recorded the same", async () => {
      const { result, event, rows } = await run(subject.fails());
      expect(result.status).toBe("Failed");
      expect(event).toMatchObject({ status: "Failed", failureKind: subject.failure.kind, exitCode: subject.failure.exitCode, final: true });
      expect(event.error).toMatch(/^[^\n]+$/);
      expect(rows.map((row) => [row.status, row.exit_code, row.error])).toEqual([["Failed", subject.failure.exitCode, event.error as string]]);
    });

    test("timeout: Timeout after the task's timeout, not the work's own length, and nothing left running", async () => {
      const marker = nextMarker();
      const { result, event, rows, tookMs } = await run(subject.hangs(marker), { timeout: 1 });
      expect(result.status).toBe("Failed");
      expect(event).toMatchObject({ status: "Timeout", failureKind: "timeout", error: "timed out after 1s", final: true });
      expect(rows.map((row) => [row.status, row.error])).toEqual([["Timeout", "timed out after 1s"]]);
      // Never before the timeout (a timer that overflowed once fired after 1 ms); how soon
      // after it is the engine test's job, on the injected clock (test/engine/run-task.test.ts).
      expect(tookMs).toBeGreaterThanOrEqual(990);
      expect(tookMs).toBeLessThan(PROMPT_MS);
      await waitFor(async () => !(await subject.stillRunning(marker)), PROMPT_MS, "the timed-out work to be gone");
    });

    test("abort: Interrupted once the run is stopped, recorded so, and nothing left running", async () => {
      const marker = nextMarker();
      const controller = new AbortController();
      const running = run(subject.hangs(marker), { signal: controller.signal });
      await subject.started(marker);
      controller.abort();
      const { result, event, rows, tookMs } = await running;
      expect(result.status).toBe("Interrupted");
      expect(event).toMatchObject({ status: "Interrupted", failureKind: "interrupted", error: "interrupted", final: true });
      expect(rows.map((row) => row.status)).toEqual(["Interrupted"]);
      expect(tookMs).toBeLessThan(HANG_SECONDS * 1000);
      await waitFor(async () => !(await subject.stillRunning(marker)), PROMPT_MS, "the interrupted work to be gone");
    });
  });
}
