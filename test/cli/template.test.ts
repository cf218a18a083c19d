import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { TEMPLATE_TYPES } from "../../src/cli/template.ts";
import { runCli, tempDir } from "../helpers/cli.ts";

const temp = tempDir("picoflow-template-");
afterAll(() => temp.cleanup());

describe("picoflow template", () => {
  test.each(TEMPLATE_TYPES.map((type) => [type]))("the %s template passes validate without warnings", async (type) => {
    const printed = await runCli(["template", "--type", type]);
    expect(printed.exitCode).toBe(0);
    expect(printed.stdout).toContain("# ");
    const file = temp.write(`printed-${type}.yaml`, printed.stdout);
    const checked = await runCli(["validate", file]);
    expect({ exitCode: checked.exitCode, stderr: checked.stderr }).toEqual({ exitCode: 0, stderr: "" });
    expect(checked.stdout).toContain("Workflow 'my-workflow' is valid");
  });

  test("the full template shows an output passed on and handlers", async () => {
    const { stdout } = await runCli(["template", "--type", "full"]);
    expect(stdout).toContain("    output: true");
    expect(stdout).toContain("${tasks.check_remote_space.output}");
    expect(stdout).toContain("\non_failure:\n");
    expect(stdout).toContain("\non_exit:\n");
    expect(stdout).toContain("${run.status}");
  });

  test("without --type it prints the minimal template", async () => {
    const [plain, minimal] = await Promise.all([runCli(["template"]), runCli(["template", "--type", "minimal"])]);
    expect(plain.exitCode).toBe(0);
    expect(plain.stdout).toBe(minimal.stdout);
  });

  test("--output writes the file, named after it, and the file validates", async () => {
    const file = join(temp.dir, "nightly_backup.yaml");
    const result = await runCli(["template", "--type", "full", "--output", file]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(file);
    expect(readFileSync(file, "utf8")).toContain("name: nightly_backup");
    for (const field of ["catchup:", "catchup_window:", "gates:", "gate_timeout:", "min_free_memory_mb:", "max_temperature_c:", "max_load:", "min_free_disk_mb:", "disk_path:", "not_throttled:"]) {
      expect(readFileSync(file, "utf8")).toContain(field);
    }
    const checked = await runCli(["validate", file]);
    expect(checked.exitCode).toBe(0);
    expect(checked.stdout).toContain("Workflow 'nightly_backup' is valid");
  });

  test("refuses to overwrite an existing file, with one line and exit 2", async () => {
    const file = temp.write("existing.yaml", "keep me\n");
    const result = await runCli(["template", "--type", "shell", "--output", file]);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain("already exists");
    expect(readFileSync(file, "utf8")).toBe("keep me\n");
  });

  test("an unknown --type is one line and exit 2, and writes nothing", async () => {
    const file = join(temp.dir, "never.yaml");
    const result = await runCli(["template", "--type", "docker", "--output", file]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trimEnd().split("\n")).toEqual(["error: unknown template type 'docker' (choose one of minimal, shell, ssh, http, full)"]);
    expect(existsSync(file)).toBe(false);
  });

  test("a folder that does not exist is one line and exit 2", async () => {
    const result = await runCli(["template", "--output", join(temp.dir, "missing", "x.yaml")]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain("does not exist");
  });
});
