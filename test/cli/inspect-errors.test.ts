/** What every inspecting command does with a missing or empty database and with bad flag values. */
import { Database } from "bun:sqlite";
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempDir } from "../helpers/cli.ts";

let folder: ReturnType<typeof tempDir>;
let db: string;
beforeEach(() => {
  folder = tempDir();
  db = join(folder.dir, "history.db");
});
afterEach(() => folder.cleanup());

const cli = (args: string[]) => runCli([...args, "--db-path", db], { cwd: folder.dir });

const TABLE_COMMANDS: [string[], unknown][] = [
  [["history"], { executions: [] }],
  [["status"], { executions: [] }],
  [["workflow", "list"], { daemon: null, workflows: [] }],
];

describe("inspecting commands without history", () => {
  test("a missing database is a friendly line, exit 0, and no file is created", async () => {
    for (const args of [["history"], ["status"], ["status", "--running-only"], ["stats"], ["workflow", "list"], ["logs", "nightly"]]) {
      const result = await cli(args);
      expect(result.exitCode, args.join(" ")).toBe(0);
      expect(result.stdout, args.join(" ")).toMatch(/No (executions recorded yet|workflows known yet)/);
      expect(result.stdout).toContain(db);
    }
    // Not the database, nor its WAL files, nor a logs folder.
    expect(readdirSync(folder.dir)).toEqual([]);
  });

  test("JSON output of a missing database is the empty document, the note on stderr", async () => {
    for (const [args, empty] of TABLE_COMMANDS) {
      const result = await cli([...args, "--format", "json"]);
      expect(result.exitCode).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual(empty);
      expect(result.stderr).toContain("No ");
    }
    const stats = await cli(["stats", "--format", "json", "--period", "7"]);
    expect(JSON.parse(stats.stdout)).toMatchObject({ period_days: 7, workflows: [] });
    expect(existsSync(db)).toBe(false);
  });

  test("an empty database file (no tables yet) reads as an empty history", async () => {
    new Database(db, { create: true }).close();
    for (const args of [["history"], ["status"], ["stats"], ["workflow", "list"]]) {
      const result = await cli(args);
      expect(result.exitCode, args.join(" ")).toBe(0);
      expect(result.stdout).toMatch(/No (executions recorded yet|workflows known yet)/);
    }
  });
});

test("a database setting that names a folder says so, for readers and writers alike", async () => {
  const file = folder.write("p.yaml", "name: p\ntasks:\n  - {name: t, type: shell, config: {command: /bin/true}}\n");
  for (const args of [["history"], ["stats"], ["run", file]]) {
    const result = await runCli([...args, "--db-path", folder.dir], { cwd: folder.dir });
    expect({ args, exitCode: result.exitCode }).toEqual({ args, exitCode: 1 });
    expect(result.stderr).toBe(`error: cannot open database ${folder.dir}: it is a folder; the database setting (--db-path, PICOFLOW_DB_PATH, db_path) names a file\n`);
  }
});

describe("bad flag values", () => {
  const cases: [string[], string][] = [
    [["history", "--limit", "abc"], 'error: --limit: "abc" is not a whole number of at least 1'],
    [["history", "--limit", "0"], 'error: --limit: "0" is not a whole number of at least 1'],
    [["history", "--limit", "-1"], 'error: --limit: "-1" is not a whole number of at least 1'],
    [["stats", "--period", "-5"], 'error: --period: "-5" is not a whole number from 1 to 100000'],
    [["logs", "nightly", "--tail", "-3"], 'error: --tail: "-3" is not a whole number of at least 0'],
    [["history", "--since", "2025-13-45"], 'error: --since: "2025-13-45" is not a date in the form YYYY-MM-DD'],
    [["history", "--since", "2025-02-30"], 'error: --since: "2025-02-30" is not a date in the form YYYY-MM-DD'],
    [["history", "--status", "bogus"], 'error: --status: "bogus" is not one of success, failed, running, interrupted'],
    [["history", "--format", "xml"], 'error: --format: "xml" is not one of table, json'],
    [["stats", "--period", "1.5"], 'error: --period: "1.5" is not a whole number from 1 to 100000'],
    [["stats", "--format", "yaml"], 'error: --format: "yaml" is not one of table, json'],
    [["status", "--format", "xml"], 'error: --format: "xml" is not one of table, json'],
    [["workflow", "list", "--format", "xml"], 'error: --format: "xml" is not one of table, json'],
    [["logs", "nightly", "--tail", "many"], 'error: --tail: "many" is not a whole number of at least 0'],
    [["logs"], "error: logs needs a workflow: picoflow logs WORKFLOW (or --workflow NAME, or --execution-id ID)"],
    [["workflow"], "error: workflow needs a subcommand: picoflow workflow list"],
    [["workflow", "show"], "error: unknown workflow subcommand 'show' (try: picoflow workflow list)"],
    [["history", "--bogus"], "error: unknown flag --bogus (see picoflow --help)"],
    [["history", "nightly", "extra"], "error: unexpected argument 'extra' (usage: picoflow history [WORKFLOW])"],
    [["history", "--limit"], 'error: --limit: "" is not a whole number of at least 1'],
    [["graph"], "error: graph needs a workflow file: picoflow graph FILE [--format mermaid|dot|svg]"],
    [["graph", "x.yaml", "--format", "png"], 'error: --format: "png" is not one of mermaid, dot, svg'],
  ];
  test("each gives one error line and exit 2, before touching any database", async () => {
    for (const [args, message] of cases) {
      const result = await cli(args);
      expect({ args, exitCode: result.exitCode, stderr: result.stderr }).toEqual({ args, exitCode: 2, stderr: `${message}\n` });
      expect(result.stdout).toBe("");
    }
    expect(existsSync(db)).toBe(false);
  });
});
