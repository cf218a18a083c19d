/** Drives the real CLI (src/main.ts under bun, or dist/picoflow when PICOFLOW_BIN is set) as a child process. */
import { Database } from "bun:sqlite";
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

/**
 * Runs one workflow through the CLI in a fresh folder whose picoflow.toml keeps retry backoff
 * short, and reads back its task rows in the given order. The caller removes `folder`.
 */
export async function runWorkflowInFolder<Row>(yaml: string, options: { prefix: string; orderBy: string; env?: Record<string, string> }) {
  const folder = tempDir(options.prefix);
  folder.write("picoflow.toml", "[retry]\ninitial_backoff_seconds = 0.1\nmax_backoff_seconds = 0.2\n");
  const file = folder.write("workflow.yaml", yaml);
  const db = join(folder.dir, "picoflow.db");
  try {
    const result = await runCli(["run", file, "--db-path", db], { cwd: folder.dir, env: options.env ?? {} });
    const sqlite = new Database(db, { readonly: true });
    try {
      const rows = sqlite.query(`SELECT * FROM task_executions ORDER BY ${options.orderBy}`).all() as Row[];
      return { ...result, rows, folder, db };
    } finally {
      sqlite.close();
    }
  } catch (error) {
    folder.cleanup();
    throw error;
  }
}
