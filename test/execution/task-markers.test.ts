/** Every task process knows its execution and task (PICOFLOW_EXECUTION_ID, PICOFLOW_TASK), whatever its own env says. */
import { expect, test } from "bun:test";
import { runWorkflowInFolder } from "../helpers/cli.ts";

test("a shell task sees its execution id and task name, and its env cannot replace them", async () => {
  const yaml = `name: markers
tasks:
  - name: plain
    type: shell
    config: {command: /bin/sh, args: ["-c", "echo $PICOFLOW_EXECUTION_ID $PICOFLOW_TASK"]}
  - name: disguised
    type: shell
    config:
      command: /bin/sh
      args: ["-c", "echo $PICOFLOW_EXECUTION_ID $PICOFLOW_TASK $OWN"]
      env: {PICOFLOW_TASK: other, PICOFLOW_EXECUTION_ID: nobody, OWN: kept}
`;
  const run = await runWorkflowInFolder<{ task_name: string; stdout: string; workflow_execution_id: string }>(yaml, { prefix: "picoflow-markers-", orderBy: "task_name" });
  try {
    expect(run.exitCode).toBe(0);
    const [disguised, plain] = run.rows;
    const id = plain?.workflow_execution_id as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(plain?.stdout).toBe(`${id} plain\n`);
    expect(disguised?.stdout).toBe(`${id} disguised kept\n`);
  } finally {
    run.folder.cleanup();
  }
});
