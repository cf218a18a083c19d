/** Drives the real CLI (src/main.ts under bun, or dist/picoflow when PICOFLOW_BIN is set) as a child process. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const MAIN = resolve(import.meta.dir, "../../src/main.ts");

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
}

/** The command line that starts picoflow, for tests that spawn it themselves. */
export function picoflowCommand(): string[] {
  const bin = process.env.PICOFLOW_BIN;
  return bin ? [resolve(bin)] : [process.execPath, MAIN];
}

export async function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const child = Bun.spawn([...picoflowCommand(), ...args], {
    cwd: options.cwd ?? process.cwd(),
    env: { ...process.env, PICOFLOW_LOG_FORMAT: "json", ...options.env },
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore",
  });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { exitCode, stdout, stderr };
}

/** A fresh temporary folder; remove it with `cleanup`. */
export function tempDir(prefix = "picoflow-test-"): { dir: string; cleanup: () => void; write: (name: string, text: string) => string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
    write: (name, text) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
  };
}
