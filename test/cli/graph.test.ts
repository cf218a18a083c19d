import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { type History, buildHistory, lines } from "./inspect-fixtures.ts";

let history: History;
let flakyFile: string;
beforeAll(async () => {
  history = await buildHistory();
  flakyFile = join(history.dir, "flaky.yaml");
}, 120_000);
afterAll(() => history?.cleanup());

async function latestId(workflow: string): Promise<string> {
  return JSON.parse((await history.cli(["history", workflow, "--format", "json", "--limit", "1"])).stdout).executions[0].short_id;
}

describe("graph", () => {
  test("a Mermaid flowchart of the DAG, edges from dependency to dependent", async () => {
    const result = await history.cli(["graph", flakyFile]);
    expect(result.exitCode).toBe(0);
    expect(lines(result.stdout)).toEqual([
      "flowchart TD",
      "  %% flaky",
      '  t0["prepare"]',
      '  t1["fetch"]',
      '  t2["report"]',
      '  t3["slowpoke"]',
      "  t0 --> t1",
      "  t1 --> t2",
    ]);
  });

  test("Graphviz DOT with --format dot (any case)", async () => {
    const result = await history.cli(["graph", flakyFile, "--format", "DOT"]);
    expect(result.exitCode).toBe(0);
    expect(lines(result.stdout)).toEqual([
      'digraph "flaky" {',
      '  label="flaky";',
      "  labelloc=t;",
      "  rankdir=TB;",
      '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Helvetica"];',
      '  "prepare";',
      '  "fetch";',
      '  "report";',
      '  "slowpoke";',
      '  "prepare" -> "fetch";',
      '  "fetch" -> "report";',
      '  { rank=same; "prepare"; "slowpoke"; }',
      "}",
    ]);
  });

  test("--execution-id colours each task by its state in that run and says why it failed", async () => {
    const id = await latestId("flaky");
    const mermaid = lines((await history.cli(["graph", flakyFile, "--execution-id", id])).stdout);
    expect(mermaid[1]).toMatch(/^ {2}%% flaky: execution [0-9a-f-]{36} \(Failed\)$/);
    expect(mermaid).toContain('  t1["fetch<br/>failed: exit code 3"]');
    expect(mermaid).toContain('  t3["slowpoke<br/>failed: timeout"]');
    expect(mermaid).toContain('  t2["report<br/>skipped"]');
    expect(mermaid.filter((line) => line.startsWith("  class "))).toEqual(["  class t0 succeeded", "  class t1 failed", "  class t2 skipped", "  class t3 failed"]);
    expect(mermaid.filter((line) => line.startsWith("  classDef ")).map((line) => line.split(" ")[3])).toEqual(["succeeded", "failed", "skipped"]);

    const dot = lines((await history.cli(["graph", flakyFile, "--format", "dot", "--execution-id", id])).stdout);
    expect(dot).toContain('  "fetch" [label="fetch\\nfailed: exit code 3", fillcolor="#ffe3e3", color="#c92a2a"];');
    expect(dot).toContain('  "report" [label="report\\nskipped", fillcolor="#f1f3f5", color="#868e96", style="rounded,filled,dashed"];');
  });

  test("--format svg draws one node per task, an arrow per dependency, coloured by --execution-id", async () => {
    const plain = await history.cli(["graph", flakyFile, "--format", "svg"]);
    expect(plain.exitCode).toBe(0);
    expect(plain.stdout).toStartWith('<svg xmlns="http://www.w3.org/2000/svg"');
    expect(plain.stdout.trimEnd()).toEndWith("</svg>");
    expect([...plain.stdout.matchAll(/<g class="node" data-task="([^"]+)">/g)].map((match) => match[1])).toEqual(["prepare", "fetch", "report", "slowpoke"]);
    expect(plain.stdout.match(/marker-end="url\(#arrow\)"/g)?.length).toBe(2);

    const id = await latestId("flaky");
    const coloured = (await history.cli(["graph", flakyFile, "--format", "svg", "--execution-id", id])).stdout;
    const states = Object.fromEntries([...coloured.matchAll(/data-task="([^"]+)" data-state="([a-z_]+)"/g)].map((match) => [match[1], match[2]]));
    expect(states).toEqual({ prepare: "succeeded", fetch: "failed", report: "skipped", slowpoke: "failed" });
    expect(coloured).toContain("<title>fetch: failed: exit code 3</title>");
    expect(coloured).toContain('fill="#ffe3e3" stroke="#c92a2a"');
  });

  test("errors: invalid file (exit 2), unknown execution (exit 1), another workflow's execution (exit 2)", async () => {
    const invalid = await history.cli(["graph", history.write("broken.yaml", "name: broken\ntasks:\n  - name: a\n    type: shell\n    depends_on: [zzz]\n    config: {command: /bin/true}\n")]);
    expect(invalid.exitCode).toBe(2);
    expect(invalid.stderr).toContain("zzz");
    const missing = await history.cli(["graph", join(history.dir, "absent.yaml")]);
    expect(missing.exitCode).toBe(2);
    const unknown = await history.cli(["graph", flakyFile, "--execution-id", "ffffffff"]);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toBe(`error: no execution 'ffffffff' in ${history.db}\n`);
    const other = await history.cli(["graph", flakyFile, "--execution-id", await latestId("nightly")]);
    expect(other.exitCode).toBe(2);
    expect(other.stderr).toMatch(/^error: execution [0-9a-f-]{36} ran workflow 'nightly', not 'flaky'\n$/);
  });
});
