/**
 * Duplicate keys in files too big for the `yaml` library's strict parse are found all the
 * same: the big-file scan must say exactly what the strict parse says of a small file, and
 * never report a key that only looks repeated (in a block scalar, a multi-line value).
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { POSITIONED_PARSE_MAX_BYTES } from "../../src/workflow/input-limits.ts";
import { problemLines } from "../helpers/problems.ts";

const EXAMPLES = join(import.meta.dir, "../../examples");

const problems = (yaml: string) => problemLines(yaml, "/w/dup.yaml");

/** The same document made too big for the strict parse by comment lines at its end. */
function big(yaml: string): string {
  const padding = "# padding that makes the file too big for the strict parse\n".repeat(Math.ceil(POSITIONED_PARSE_MAX_BYTES / 50));
  return `${yaml.endsWith("\n") ? yaml : `${yaml}\n`}${padding}`;
}

/** Many tasks written the way generated files are, so the file is big by its content. */
function generated(count: number, extra: (index: number) => string = () => ""): string {
  let text = "name: generated\ntasks:\n";
  for (let index = 0; index < count; index++) {
    text += `  - name: t${index}\n    type: shell\n    config:\n      command: /bin/echo\n      args: ["${index}"]\n      env:\n        STEP: "${index}"\n${extra(index)}`;
  }
  return text;
}

const indentOf = (line: string) => line.length - line.trimStart().length;

describe("duplicate keys in a big file", () => {
  test("every one-line key of every example, written twice, is reported as the strict parse reports it", () => {
    let compared = 0;
    for (const file of readdirSync(EXAMPLES).filter((name) => name.endsWith(".yaml"))) {
      const lines = readFileSync(join(EXAMPLES, file), "utf8").split("\n");
      for (const [index, line] of lines.entries()) {
        const next = lines.slice(index + 1).find((candidate) => candidate.trim() !== "" && !candidate.trim().startsWith("#"));
        // A key whose value is on its line: the next line is no deeper (nothing nested or continued).
        const keyLine = /^\s*[A-Za-z_][\w-]*:\s+\S/.test(line) && !/:\s+[|>]/.test(line);
        if (!keyLine || (next !== undefined && indentOf(next) > indentOf(line))) continue;
        const doubled = [...lines.slice(0, index + 1), line, ...lines.slice(index + 1)].join("\n");
        const strict = problems(doubled);
        expect(strict[0]).toContain("Map keys must be unique");
        expect({ file, line: index + 1, found: problems(big(doubled)) }).toEqual({ file, line: index + 1, found: strict });
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(100);
  });

  test("a task's key twice, deep in a generated file, at its line and column", () => {
    const text = `${generated(400)}  - name: twice\n    type: shell\n    config:\n      command: /bin/true\n      env:\n        A: "1"\n        A: "2"\n`;
    expect(text.length).toBeGreaterThan(POSITIONED_PARSE_MAX_BYTES);
    const line = text.split("\n").length - 1;
    expect(problems(text)).toEqual([`error: /w/dup.yaml:${line}:9: YAML syntax: Map keys must be unique`]);
  });

  test("a top-level key twice", () => {
    const text = `${generated(400)}name: again\n`;
    const line = text.split("\n").length - 1;
    expect(problems(text)).toEqual([`error: /w/dup.yaml:${line}:1: YAML syntax: Map keys must be unique`]);
  });

  test("items written with the dash on its own line, and sequences at their key's indent", () => {
    const items = (index: number) => `  -\n    name: own${index}\n    type: shell\n    depends_on:\n    - t${index}\n    config: {command: /bin/true}\n`;
    const valid = generated(300, items);
    expect(problems(valid)).toEqual([]);
    const broken = `${valid}  -\n    name: last\n    type: shell\n    depends_on:\n    - t0\n    type: http\n`;
    const line = broken.split("\n").length - 1;
    expect(problems(broken)).toEqual([`error: /w/dup.yaml:${line}:5: YAML syntax: Map keys must be unique`]);
  });

  test("what only looks like a repeated key is not one: block scalars, multi-line values, other mappings", () => {
    const lookalikes = (index: number) =>
      index % 50 === 0
        ? [
            "    description: |",
            "      type: one",
            "      type: two",
            '    retry: {max_attempts: 2,',
            "      max_attempts_again: 3}",
            "    tags:",
            "      - name: a",
            "      - name: a",
            '    note: "a quoted value',
            '      note: that goes on"',
            "    quoted: 'single quotes",
            "      quoted: that go on'",
            "    folded: >-",
            "      - name: x",
            "        name: x",
            "",
            "      folded: again",
            "",
          ].join("\n")
        : "";
    const text = generated(300, lookalikes);
    expect(text.length).toBeGreaterThan(POSITIONED_PARSE_MAX_BYTES);
    // Valid YAML (the schema objects to the made-up fields, but no key is repeated).
    expect(() => Bun.YAML.parse(text)).not.toThrow();
    expect(problems(text).filter((line) => line.includes("Map keys"))).toEqual([]);
  });
});
