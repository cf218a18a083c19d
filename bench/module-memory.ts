/**
 * What each library the daemon uses adds to a compiled Bun program's memory: one tiny
 * program per module, compiled with the release flags (build/compile-flags.ts), that loads
 * the module, uses it once the way PicoFlow does, and then idles on a timer like the daemon.
 * Its VmRSS and RssAnon (/proc/PID/status) are read from outside after it settles, minus
 * those of the same program without the module. Median of --rounds runs.
 *
 *   bun bench/module-memory.ts [--rounds 5] [--daemon-engine]
 *
 * --daemon-engine runs the programs with the daemon's JIT settings (src/daemon/engine-settings.ts).
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { COMPILE_FLAGS } from "../build/compile-flags.ts";
import { ENGINE_SETTINGS } from "../src/daemon/engine-settings.ts";
import { type Memory, memoryOf } from "./proc-memory.ts";

const ROOT = resolve(import.meta.dir, "..");
// Inside the repository, so the programs resolve node_modules like src/ does.
const WORK = join(ROOT, "node_modules/.cache/module-memory");
const args = process.argv.slice(2);
const ROUNDS = args.includes("--rounds") ? Number(args[args.indexOf("--rounds") + 1]) : 5;
const SETTLE_MS = 3000;
const ENGINE_ENV = args.includes("--daemon-engine") ? ENGINE_SETTINGS : {};
const MB = 1024 * 1024;

/** The daemon's way of idling: a timer, so the event loop stays alive. */
const IDLE = "setInterval(() => {}, 60_000);\n";
/** Keeps what a snippet made reachable, as the daemon keeps its objects. */
const PRELUDE = "const keep = (value) => (globalThis.kept ??= []).push(value);\n";
const NOTHING = "(nothing: a timer only)";
const ALL = "all of the above together";

/** One program of several snippets: their imports first, each body in its own block. */
function combine(snippets: string[]): string {
  const lines = snippets.flatMap((code) => code.split("\n"));
  const imports = lines.filter((line) => line.startsWith("import "));
  const bodies = snippets.map((code) => `{\n${code.split("\n").filter((line) => !line.startsWith("import ")).join("\n")}\n}`);
  return [...imports, PRELUDE, ...bodies].join("\n");
}

const LIBRARIES: Record<string, string> = {
  "bun:sqlite": `import { Database } from "bun:sqlite";
const db = new Database(":memory:");
db.run("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)");
db.query("INSERT INTO t (name) VALUES (?)").run("x");
keep([db, db.query("SELECT * FROM t").all()]);`,
  "Bun.serve": `const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("ok") });
await (await fetch(\`http://127.0.0.1:\${server.port}/\`)).text();
keep(server);`,
  croner: `import { Cron } from "croner";
keep(new Cron("0 0 * * * *", { paused: true }).nextRun());`,
  pino: `import pino from "pino";
const logger = pino({ level: "info" }, pino.destination({ dest: "/dev/null", sync: true }));
logger.info({ a: 1 }, "hello");
keep(logger);`,
  "prom-client (4 classes, as src/observability/metrics.ts)": `const Registry = require("prom-client/lib/registry");
const Counter = require("prom-client/lib/counter");
const Gauge = require("prom-client/lib/gauge");
const Histogram = require("prom-client/lib/histogram");
const registry = new Registry();
new Counter({ name: "c", help: "c", labelNames: ["a"], registers: [registry] }).inc({ a: "x" });
new Gauge({ name: "g", help: "g", registers: [registry] }).set(1);
new Histogram({ name: "h", help: "h", registers: [registry] }).observe(1);
keep([registry, await registry.metrics()]);`,
  valibot: `import * as v from "valibot";
const schema = v.strictObject({ name: v.pipe(v.string(), v.regex(/^[a-z]+$/)), tasks: v.array(v.object({ n: v.number() })) });
keep(v.safeParse(schema, { name: "x", tasks: [{ n: 1 }] }));`,
  yaml: `import { parseDocument } from "yaml";
keep(parseDocument("name: x\\ntasks:\\n  - name: a\\n    type: shell\\n").toJS());`,
  cleye: `import { cli } from "cleye";
keep(cli({ name: "x", flags: { a: String } }, undefined, ["--a", "b"]));`,
};
const MODULES: Record<string, string> = {
  [NOTHING]: combine([]),
  ...Object.fromEntries(Object.entries(LIBRARIES).map(([name, code]) => [name, combine([code])])),
  [ALL]: combine(Object.values(LIBRARIES)),
};

async function measure(binary: string): Promise<Memory> {
  const child = Bun.spawn([binary], { stdin: "ignore", stdout: "ignore", stderr: "inherit", env: { ...process.env, ...ENGINE_ENV } });
  await Bun.sleep(SETTLE_MS);
  if (child.exitCode !== null) throw new Error(`${binary} exited with ${child.exitCode}`);
  const reading = memoryOf(child.pid);
  child.kill();
  await child.exited;
  return reading;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const mb = (bytes: number) => (bytes / MB).toFixed(1);
const signed = (bytes: number) => `${bytes >= 0 ? "+" : ""}${mb(bytes)}`;

rmSync(WORK, { recursive: true, force: true });
mkdirSync(WORK, { recursive: true });
const binaries: [string, string][] = [];
for (const [index, [name, code]] of Object.entries(MODULES).entries()) {
  const entry = join(WORK, `m${index}.ts`);
  writeFileSync(entry, `${code}\n${IDLE}`);
  const binary = join(WORK, `m${index}`);
  const built = Bun.spawnSync(["bun", "build", ...COMPILE_FLAGS, entry, "--outfile", binary], { cwd: ROOT, stderr: "pipe" });
  if (built.exitCode !== 0) throw new Error(`cannot compile the ${name} program: ${built.stderr.toString()}`);
  binaries.push([name, binary]);
}

// Interleaved rounds, so a busy moment on the machine does not land on one module only.
const readings = new Map<string, Memory[]>(binaries.map(([name]) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, binary] of binaries) readings.get(name)?.push(await measure(binary));
}
const medians = new Map([...readings].map(([name, list]) => [name, { rss: median(list.map((r) => r.rss)), anon: median(list.map((r) => r.anon)) }]));
const base = medians.get(NOTHING) as Memory;
const engine = Object.keys(ENGINE_ENV).length > 0 ? `, ${Object.entries(ENGINE_ENV).map(([k, v]) => `${k}=${v}`).join(" ")}` : "";
console.log(`Bun ${Bun.version}, ${process.arch}, ${ROUNDS} rounds, flags ${COMPILE_FLAGS.join(" ")}${engine}`);
console.log("| module | VmRSS (MiB) | RssAnon (MiB) | adds RSS | adds RssAnon |");
console.log("|---|---:|---:|---:|---:|");
for (const [name, reading] of medians) {
  const adds = name === NOTHING ? ["", ""] : [signed(reading.rss - base.rss), signed(reading.anon - base.anon)];
  console.log(`| ${name} | ${mb(reading.rss)} | ${mb(reading.anon)} | ${adds[0]} | ${adds[1]} |`);
}
rmSync(WORK, { recursive: true, force: true });
