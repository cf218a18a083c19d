/** A real daemon serving the dashboard on a free loopback port, with a few workflows to look at. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type DaemonProcess, daemonDir, started, waitFor } from "../daemon/helpers.ts";

export const WORKFLOWS = {
  /** Three chained tasks; the middle one prints markup on stdout and stderr. */
  demo: `name: demo
description: "Fetch <b>things</b> & report"
tasks:
  - name: prepare
    type: shell
    config: {command: /bin/echo, args: ["hello from prepare"]}
  - name: build
    type: shell
    depends_on: [prepare]
    config: {command: /bin/sh, args: ["-c", "echo '<script>alert(1)</script>'; echo '<img src=x onerror=alert(1)>' >&2"]}
  - name: report
    type: shell
    depends_on: [build]
    config: {command: /bin/echo, args: [done]}
`,
  /** Fails with exit code 3 until the file `fixed` exists in the daemon's folder. */
  flaky: `name: flaky
tasks:
  - name: first
    type: shell
    config: {command: /bin/echo, args: [one]}
  - name: check
    type: shell
    depends_on: [first]
    config: {command: /bin/sh, args: ["-c", "test -f fixed || { echo not yet >&2; exit 3; }"]}
`,
  /** Prints a line, then waits for the file `go` in the daemon's folder before it ends. */
  slow: `name: slow
tasks:
  - name: wait
    type: shell
    config: {command: /bin/sh, args: ["-c", "echo waiting; while [ ! -f go ]; do sleep 0.05; done; echo released"]}
  - name: after
    type: shell
    depends_on: [wait]
    config: {command: /bin/echo, args: [after]}
`,
  /** Scheduled once a day in the small hours, in Berlin: never fires during a test. */
  nightly: `name: nightly
schedule: "0 30 2 * * *"
timezone: Europe/Berlin
tasks:
  - name: backup
    type: shell
    config: {command: /bin/echo, args: [backed up]}
`,
} as const;

export interface DashboardDaemon {
  dir: string;
  db: string;
  base: string;
  daemon: DaemonProcess;
  /** Creates a file in the daemon's folder (releases `slow`, fixes `flaky`). */
  touch(name: string): void;
  cleanup(): Promise<void>;
}

/** `toml` is picoflow.toml's text, or a function of the daemon's folder that writes what it needs there and returns it. */
export async function startDashboardDaemon(env: Record<string, string> = {}, toml?: string | ((dir: string) => string)): Promise<DashboardDaemon> {
  const folder = daemonDir();
  const files = Object.entries(WORKFLOWS).map(([name, yaml]) => folder.write(`${name}.yaml`, yaml));
  if (toml !== undefined) writeFileSync(join(folder.dir, "picoflow.toml"), typeof toml === "string" ? toml : toml(folder.dir));
  const daemon = folder.start(files, env);
  await started(daemon);
  const serving = await daemon.waitForLog((line) => line.msg === "serving metrics");
  const base = new URL("/", String(serving.url)).href.replace(/\/$/, "");
  return {
    dir: folder.dir,
    db: join(folder.dir, "picoflow.db"),
    base,
    daemon,
    touch: (name) => writeFileSync(join(folder.dir, name), ""),
    cleanup: () => folder.cleanup(),
  };
}

export interface ExecutionJson {
  id: string;
  status: string;
  trigger: string | null;
  scheduled_for: string | null;
  tasks: { name: string; state: string; depends_on: string[]; attempts: { attempt: number; status: string; exit_code: number | null; stdout_tail: string; stderr_tail: string; error: string | null }[] }[];
}

export async function getJson<T>(url: string, init?: RequestInit): Promise<{ status: number; body: T; headers: Headers }> {
  const response = await fetch(url, init);
  return { status: response.status, body: (await response.json()) as T, headers: response.headers };
}

/** Waits until the execution has left Running (through the API). */
export function finished(base: string, id: string, headers: Record<string, string> = {}): Promise<ExecutionJson> {
  return waitFor(
    async () => {
      const { body } = await getJson<ExecutionJson>(`${base}/api/v1/executions/${id}`, { headers });
      return body.status !== "Running" ? body : undefined;
    },
    30_000,
    `execution ${id} to finish`,
  );
}
