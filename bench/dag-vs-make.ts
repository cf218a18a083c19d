/**
 * Runs generated 1000-task DAGs of /bin/true through dist/picoflow (max_parallel 4, full
 * history) and the same DAGs through `make -j4`, and prints the time ratio. Also times
 * `validate` of the 1000-task file as a whole process.
 *
 *   bun run build && bun bench/dag-vs-make.ts [--rounds N]
 *
 * Target (issue 2): picoflow at most 1.3x make; validate under 100 ms.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { median } from "./median.ts";

const BIN = resolve(import.meta.dir, "../dist/picoflow");
const TASKS = 1000;
const PARALLEL = 4;
const rounds = Number(process.argv[process.argv.indexOf("--rounds") + 1]) || 3;

type Dag = Map<string, string[]>;

function wide(): Dag {
  return new Map(Array.from({ length: TASKS }, (_, i) => [`t${i}`, []]));
}

function chain(): Dag {
  return new Map(Array.from({ length: TASKS }, (_, i) => [`t${i}`, i === 0 ? [] : [`t${i - 1}`]]));
}

/** 10 levels of 100; each task depends on 3 tasks of the previous level. */
function layered(): Dag {
  const dag: Dag = new Map();
  const perLevel = TASKS / 10;
  for (let level = 0; level < 10; level++) {
    for (let i = 0; i < perLevel; i++) {
      const deps = level === 0 ? [] : [0, 1, 2].map((k) => `t${(level - 1) * perLevel + ((i + k * 37) % perLevel)}`);
      dag.set(`t${level * perLevel + i}`, deps);
    }
  }
  return dag;
}

function toYaml(name: string, dag: Dag): string {
  const tasks = [...dag].map(([task, deps]) =>
    `  - name: ${task}\n    type: shell\n${deps.length ? `    depends_on: [${deps.join(", ")}]\n` : ""}    config:\n      command: /bin/true\n`,
  );
  return `name: ${name}\nconfig:\n  max_parallel: ${PARALLEL}\ntasks:\n${tasks.join("")}`;
}

function toMakefile(dag: Dag): string {
  const rules = [...dag].map(([task, deps]) => `${task}:${deps.map((d) => ` ${d}`).join("")}\n\t@/bin/true\n`);
  return `.PHONY: all ${[...dag.keys()].join(" ")}\nall: ${[...dag.keys()].join(" ")}\n${rules.join("")}`;
}

async function timed(cmd: string[], cwd: string): Promise<number> {
  const start = performance.now();
  const child = Bun.spawn(cmd, { cwd, stdout: "ignore", stderr: "pipe", env: { ...process.env, PICOFLOW_LOG_LEVEL: "warn" } });
  const code = await child.exited;
  const took = performance.now() - start;
  if (code !== 0) throw new Error(`${cmd.join(" ")} exited ${code}: ${await new Response(child.stderr).text()}`);
  return took;
}


const work = mkdtempSync(join(tmpdir(), "picoflow-bench-"));
try {
  console.log(`1000-task DAGs of /bin/true, max_parallel ${PARALLEL} vs make -j${PARALLEL}; median of ${rounds} rounds\n`);
  console.log("shape     picoflow    make      ratio   history rows");
  for (const [name, dag] of [["wide", wide()], ["chain", chain()], ["layered", layered()]] as const) {
    const yamlFile = join(work, `${name}.yaml`);
    writeFileSync(yamlFile, toYaml(name, dag));
    writeFileSync(join(work, `${name}.mk`), toMakefile(dag));
    const picoflow: number[] = [];
    const make: number[] = [];
    for (let round = 0; round < rounds; round++) {
      make.push(await timed(["make", "-s", `-j${PARALLEL}`, "-f", `${name}.mk`, "all"], work));
      picoflow.push(await timed([BIN, "--db-path", join(work, `${name}.db`), "run", yamlFile], work));
    }
    const { Database } = await import("bun:sqlite");
    const db = new Database(join(work, `${name}.db`), { readonly: true });
    const rows = (db.query("SELECT COUNT(*) AS n FROM task_executions WHERE status = 'Success'").get() as { n: number }).n;
    db.close();
    const [p, m] = [median(picoflow), median(make)];
    console.log(`${name.padEnd(9)} ${p.toFixed(0).padStart(6)} ms ${m.toFixed(0).padStart(6)} ms   ${(p / m).toFixed(2)}x   ${rows}`);
  }
  const validateTimes: number[] = [];
  for (let round = 0; round < Math.max(5, rounds); round++) validateTimes.push(await timed([BIN, "validate", join(work, "layered.yaml")], work));
  console.log(`\nvalidate (1000-task layered file, whole process): median ${median(validateTimes).toFixed(0)} ms`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
