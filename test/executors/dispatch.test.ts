/** The registry and dispatch are checked by the compiler: a task type without an executor fails `bun run typecheck`. */
import { afterAll, expect, test } from "bun:test";
import { runOnExecutor } from "../../src/executors/dispatch.ts";
import { httpExecutor } from "../../src/executors/http.ts";
import { defaultExecutors, disposeExecutors } from "../../src/executors/index.ts";
import { logFileOutputs } from "../../src/executors/output.ts";
import { createShellExecutor } from "../../src/executors/shell.ts";
import type { ExecutorRegistry } from "../../src/executors/types.ts";
import { NO_VALUES } from "../../src/executors/values.ts";
import { parseWorkflow } from "../../src/workflow/load.ts";
import { tempDir } from "../helpers/cli.ts";
import { TEST_DEFAULTS } from "../helpers/engine.ts";

const folder = tempDir();
afterAll(() => folder.cleanup());

test("a registry that leaves out a task type does not type-check", () => {
  const shellExecutor = createShellExecutor();
  // @ts-expect-error `ssh` has no executor (this line fails the type check if the registry stops demanding one)
  const incomplete: ExecutorRegistry = { shell: shellExecutor, http: httpExecutor };
  // @ts-expect-error the shell executor cannot stand in for the http one
  const mismatched: ExecutorRegistry = { shell: shellExecutor, http: shellExecutor, ssh: shellExecutor };
  expect(Object.keys(incomplete)).toEqual(["shell", "http"]);
  expect(Object.keys(mismatched)).toHaveLength(3);
});

test("each task goes to the executor of its type", async () => {
  const yaml = `name: d\ntasks:\n  - name: local\n    type: shell\n    config: {command: /bin/sh, args: ["-c", "exit 7"]}\n  - name: web\n    type: http\n    config: {url: "http://127.0.0.1:1/x"}\n`;
  const [local, web] = parseWorkflow(yaml, "/virtual/d.yaml", TEST_DEFAULTS).workflow.tasks;
  const registry = defaultExecutors();
  const open = logFileOutputs({ runDir: folder.dir, maxFileBytes: 65536, tailBytes: 1024, now: () => new Date() });
  const context = (name: string) => ({ signal: new AbortController().signal, output: open(name, 1), env: {}, values: NO_VALUES });
  try {
    // The shell executor's exit code, the HTTP executor's refused connection: each ran its own kind of work.
    expect(await runOnExecutor(registry, local as never, context("local"))).toMatchObject({ ok: false, kind: "exit-code", exitCode: 7 });
    expect(await runOnExecutor(registry, web as never, context("web"))).toMatchObject({ ok: false, kind: "connection-refused" });
  } finally {
    await disposeExecutors(registry);
  }
});
