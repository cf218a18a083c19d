/**
 * Fuzz: mutants of every example (test/helpers/mutants.ts) through the real CLI's `validate`
 * and `run`. Each must end with exit code 0, 1 or 2, within a bounded time, without a stack
 * trace or an `internal error`. Mutants cannot harm the machine: their commands are all
 * /bin/true (mangled at most), their network targets a closed loopback port, PATH is empty,
 * and as root they run as `nobody` in a scratch folder of their own.
 *
 * PICOFLOW_FUZZ_SEED replays a run; PICOFLOW_FUZZ_CASES sets how many mutants (default 150).
 */
import { afterAll, expect, test } from "bun:test";
import { chownSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { picoflowCommand, tempDir } from "../helpers/cli.ts";
import { type Mutant, mutate, randomSource } from "../helpers/mutants.ts";

const EXAMPLES = resolve(import.meta.dir, "../../examples");
const SEED = Number(process.env.PICOFLOW_FUZZ_SEED ?? 20261202);
const CASES = Number(process.env.PICOFLOW_FUZZ_CASES ?? 150);
/** Far above the slowest mutant (a 2 MiB parse, a few /bin/true tasks), far below a hang. */
const MAX_SECONDS = 30;
const PARALLEL = 2;
const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;

const scratch = tempDir("picoflow-fuzz-");
if (asRoot) chownSync(scratch.dir, NOBODY, NOBODY);
afterAll(() => scratch.cleanup());

interface Outcome {
  mutant: Mutant;
  command: string;
  exitCode: number | null;
  seconds: number;
  output: string;
}

/** Retries would make `run` of a failing mangled command long on purpose; such mutants are only validated. */
function runsLong(bytes: Uint8Array): boolean {
  try {
    return JSON.stringify(Bun.YAML.parse(new TextDecoder().decode(bytes)) ?? null, (_key, value) => (typeof value === "bigint" ? String(value) : value))
      .match(/"(retry|retry_default|gates)":\s*([^,}\]]+)/g)
      ?.some((pair) => pair.includes("gates") || !(Number(pair.split(":")[1]) <= 3)) ?? false;
  } catch {
    return false;
  }
}

async function cli(args: string[], folder: string, mutant: Mutant, command: string): Promise<Outcome> {
  const prefix = asRoot ? ["/usr/bin/setpriv", `--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups"] : [];
  const started = performance.now();
  const child = Bun.spawn([...prefix, ...picoflowCommand(), ...args], {
    cwd: folder,
    env: { PATH: join(folder, "empty-path"), HOME: folder, PICOFLOW_LOG_FORMAT: "json", PICOFLOW_DB_PATH: join(folder, "picoflow.db") },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const killer = setTimeout(() => child.kill("SIGKILL"), MAX_SECONDS * 1000);
  const [stdout, stderr, exitCode] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  clearTimeout(killer);
  return { mutant, command, exitCode, seconds: (performance.now() - started) / 1000, output: stdout + stderr };
}

function problem(outcome: Outcome): string | undefined {
  if (outcome.exitCode === null || ![0, 1, 2].includes(outcome.exitCode)) return `exit code ${outcome.exitCode}`;
  if (outcome.seconds > MAX_SECONDS) return `took ${outcome.seconds.toFixed(1)} s`;
  if (/internal error/i.test(outcome.output)) return "internal error";
  // A JavaScript stack frame ("    at fn (file.ts:12:5)") or an uncaught error's banner.
  if (/^\s+at .*:\d+:\d+\)?$/m.test(outcome.output) || /^(TypeError|RangeError|SyntaxError|ReferenceError|Error):/m.test(outcome.output)) return "stack trace";
  return undefined;
}

test(`${CASES} mutants of the examples through validate and run (seed ${SEED})`, async () => {
  const seeds = readdirSync(EXAMPLES)
    .filter((name) => name.endsWith(".yaml"))
    .map((name) => [name, readFileSync(join(EXAMPLES, name), "utf8")] as const);
  const random = randomSource(SEED);
  const mutants = Array.from({ length: CASES }, (_, i) => {
    const [name, text] = seeds[i % seeds.length] as readonly [string, string];
    return mutate(name, text, random);
  });

  const outcomes: Outcome[] = [];
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < mutants.length; index = next++) {
      const mutant = mutants[index] as Mutant;
      const folder = join(scratch.dir, `m${index}`);
      mkdirSync(join(folder, "empty-path"), { recursive: true });
      writeFileSync(join(folder, "picoflow.toml"), "[retry]\ninitial_backoff_seconds = 0\nmax_backoff_seconds = 0\n");
      writeFileSync(join(folder, "mutant.yaml"), mutant.bytes);
      if (asRoot) for (const path of [folder, join(folder, "empty-path"), join(folder, "picoflow.toml"), join(folder, "mutant.yaml")]) chownSync(path, NOBODY, NOBODY);
      outcomes.push(await cli(["validate", "mutant.yaml"], folder, mutant, "validate"));
      if (!runsLong(mutant.bytes)) outcomes.push(await cli(["run", "mutant.yaml"], folder, mutant, "run"));
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));

  const failures = outcomes.flatMap((outcome) => {
    const why = problem(outcome);
    return why ? [`${outcome.command} of [${outcome.mutant.description}]: ${why}\n${outcome.output.slice(0, 600)}`] : [];
  });
  expect(failures).toEqual([]);
  // Most mutants are invalid; some must still be valid and run their tasks, or the fuzz proves little.
  expect(outcomes.filter((outcome) => outcome.command === "run" && outcome.exitCode !== 2).length).toBeGreaterThan(CASES / 50);
  expect(outcomes.filter((outcome) => outcome.exitCode === 2).length).toBeGreaterThan(CASES / 4);
}, 600_000);
