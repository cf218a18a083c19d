/**
 * PicoFlow's files are owner-only (0600). Another user who runs a command on them gets one
 * line naming the file, its owner and what to do: never an internal error. As root the other
 * user is `nobody` (setpriv); otherwise the files are made unreadable to their owner.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { chmodSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { picoflowCommand, runCli, tempDir } from "../helpers/cli.ts";

const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;
const folder = tempDir("picoflow-permissions-");
const db = join(folder.dir, "picoflow.db");
afterAll(() => {
  for (const name of readdirSync(folder.dir)) chmodSync(join(folder.dir, name), 0o600);
  folder.cleanup();
});

beforeAll(async () => {
  chmodSync(folder.dir, 0o755);
  const file = folder.write("p.yaml", "name: p\ntasks:\n  - name: t\n    type: shell\n    config: {command: /bin/true}\n");
  chmodSync(file, 0o644);
  expect((await runCli(["run", file, "--db-path", db], { cwd: folder.dir })).exitCode).toBe(0);
  // A PID file as a running daemon leaves it (this test process stands in for the daemon).
  writeFileSync(join(folder.dir, "picoflow.pid"), `${process.pid}\n`, { mode: 0o600 });
  if (!asRoot) for (const name of readdirSync(folder.dir)) if (name.startsWith("picoflow")) chmodSync(join(folder.dir, name), 0o000);
});

async function asAnotherUser(args: string[]) {
  const prefix = asRoot ? ["/usr/bin/setpriv", `--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups"] : [];
  const child = Bun.spawn([...prefix, ...picoflowCommand(), ...args, "--db-path", db], {
    cwd: folder.dir,
    env: { ...process.env, HOME: folder.dir, PICOFLOW_LOG_FORMAT: "json" },
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore",
  });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { stdout, stderr, exitCode };
}

const DENIED = String.raw`permission denied: only its owner \(\S+\) may (read|write) it; run this as that user, e\.g\. sudo -u \S+ picoflow \.\.\.`;

test("daemon status and trigger on another user's daemon name its PID file and who may read it", async () => {
  for (const command of [["daemon", "status"], ["daemon", "stop"], ["trigger", "p"]]) {
    const result = await asAnotherUser(command);
    expect({ command, exitCode: result.exitCode }).toEqual({ command, exitCode: 1 });
    expect(result.stderr).toMatch(new RegExp(`^error: cannot read the daemon's PID file ${join(folder.dir, "picoflow.pid")}: ${DENIED}\n$`));
  }
});

test("inspecting commands and run on another user's history name the database and who may open it", async () => {
  for (const command of [["history"], ["stats"], ["status", "p"], ["logs", "p"], ["run", "p.yaml"]]) {
    const result = await asAnotherUser(command);
    expect({ command, exitCode: result.exitCode }).toEqual({ command, exitCode: 1 });
    expect(result.stderr).toMatch(new RegExp(`^error: cannot open database ${db}: ${DENIED}\n$`));
    expect(result.stderr).not.toContain("internal error");
  }
});
