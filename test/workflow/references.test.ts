/** validate's checks of ${tasks.NAME.output...} and ${run.FIELD} references and of handler lists: every problem positioned. */
import { describe, expect, test } from "bun:test";
import { WorkflowInvalidError, type WorkflowIssue } from "../../src/errors.ts";
import { parseWorkflow } from "../../src/workflow/load.ts";
import { runCli, tempDir } from "../helpers/cli.ts";
import { TEST_DEFAULTS } from "../helpers/engine.ts";

function problems(yaml: string): string[] {
  try {
    parseWorkflow(yaml, "/virtual/wf.yaml", TEST_DEFAULTS);
  } catch (error) {
    if (!(error instanceof WorkflowInvalidError)) throw error;
    return error.issues.map((issue: WorkflowIssue) => `${issue.position?.line}:${issue.position?.column} ${issue.message}`);
  }
  return [];
}

const PRODUCERS = `name: refs
tasks:
  - name: a
    type: shell
    output: true
    config: {command: /bin/echo, args: [hi]}
  - name: quiet
    type: shell
    config: {command: /bin/echo, args: [hi]}
`;

describe("output references", () => {
  test("a task that is not upstream, one without output: true and an unknown one are each reported where they are used", () => {
    expect(
      problems(`${PRODUCERS}  - name: sibling
    type: shell
    config: {command: /bin/echo, args: ["\${tasks.a.output}"]}
  - name: b
    type: shell
    depends_on: [a, quiet]
    config:
      command: /bin/echo
      args: ["\${tasks.quiet.output}", "\${tasks.ghost.output}"]
      env: {X: "\${tasks.a.stdout}"}
`),
    ).toEqual([
      "12:41 task 'sibling': config.args[0]: ${tasks.a.output} refers to task 'a', which is not upstream of 'sibling'; add it to depends_on",
      "18:14 task 'b': config.args[0]: ${tasks.quiet.output} refers to task 'quiet', which does not set output: true",
      "18:39 task 'b': config.args[1]: ${tasks.ghost.output} refers to unknown task 'ghost'",
      "19:16 task 'b': config.env.X: ${tasks.a.stdout}: write ${tasks.NAME.output} or ${tasks.NAME.output.FIELD}",
    ]);
  });

  test("an upstream task further up the chain is fine, and so are ${HOME} in shell args and escaped references", () => {
    expect(
      problems(`${PRODUCERS}  - name: mid
    type: shell
    depends_on: [a]
    config: {command: /bin/true}
  - name: end
    type: shell
    depends_on: [mid]
    config: {command: /bin/echo, args: ["\${tasks.a.output.x.0}", "\${HOME}", "$\${tasks.nope.output}"]}
`),
    ).toEqual([]);
  });

  test("in http url, headers and body, unknown dotted names are errors too", () => {
    expect(
      problems(`${PRODUCERS}  - name: call
    type: http
    depends_on: [a]
    config:
      url: "http://127.0.0.1/\${tasks.a.output}"
      method: POST
      headers: {X-Token: "\${secret.token}"}
      body: {nested: ["\${tasks.quiet.output}"]}
`),
    ).toEqual([
      "16:26 task 'call': config.headers.X-Token: ${secret.token}: unknown reference; use ${tasks.NAME.output}, ${run.FIELD} or an environment variable name",
      "17:23 task 'call': config.body.nested[0]: ${tasks.quiet.output} refers to task 'quiet', which is not upstream of 'call'; add it to depends_on",
    ]);
  });

  test("in ssh commands a reference must stand bare: inside quotes or a here-document it is refused", () => {
    const ssh = (name: string, command: string) => `  - name: ${name}
    type: ssh
    depends_on: [a]
    config: {host: 127.0.0.1, user: me, command: ${JSON.stringify(command)}}
`;
    expect(
      problems(
        PRODUCERS +
          ssh("bare", "echo ${tasks.a.output} | wc -c") +
          ssh("double", 'echo "${tasks.a.output}"') +
          ssh("single", "echo '${tasks.a.output}'") +
          ssh("backquote", "echo `echo ${tasks.a.output}`") +
          ssh("heredoc", "cat <<EOF\n${tasks.a.output}\nEOF") +
          ssh("escaped", "echo '$${tasks.a.output}' \"$HOME\""),
      ),
    ).toEqual([
      `17:50 task 'double': config.command: \${tasks.a.output} is inside double quotes; write it bare: PicoFlow inserts it as one single-quoted word`,
      `21:50 task 'single': config.command: \${tasks.a.output} is inside single quotes; write it bare: PicoFlow inserts it as one single-quoted word`,
      `25:50 task 'backquote': config.command: \${tasks.a.output} is inside backquotes; write it bare: PicoFlow inserts it as one single-quoted word`,
      "29:50 task 'heredoc': config.command: a command with ${tasks...} or ${run...} references cannot use a here-document (<<)",
    ]);
  });
});

describe("handlers", () => {
  test("${run.FIELD} works only in handlers, with known fields; handler lists check their own dependencies and names", () => {
    expect(
      problems(`${PRODUCERS}  - name: main_uses_run
    type: shell
    config: {command: /bin/echo, args: ["\${run.status}"]}
on_failure:
  - name: notify
    type: http
    config: {url: "http://127.0.0.1/\${run.status}", method: POST, body: {text: "\${run.colour} \${tasks.a.output}"}}
  - name: after
    type: shell
    depends_on: [notify, a]
    config: {command: /bin/true}
on_exit:
  - name: a
    type: shell
    config: {command: /bin/true}
`),
    ).toEqual([
      "19:26 task 'after' in on_failure depends on 'a', which is in tasks: depends_on names tasks of the same list only (handlers start after every task has ended)",
      "22:11 duplicate task name 'a' (first defined as tasks[0])",
      "12:41 task 'main_uses_run': config.args[0]: ${run.status} is only available in handler tasks (on_failure, on_success, on_exit)",
      "16:80 on_failure task 'notify': config.body.text: ${run.colour}: unknown run field 'colour' (known: workflow, execution_id, status, failed_tasks, duration_seconds, log_dir)",
    ]);
  });

  test("handler tasks resolve like any task and are kept per list", () => {
    const { workflow } = parseWorkflow(
      `${PRODUCERS}on_success:
  - {name: s, type: shell, retry: 2, config: {command: /bin/true}}
on_exit:
  - {name: e1, type: shell, config: {command: /bin/true}}
  - {name: e2, type: shell, depends_on: [e1], output: true, config: {command: /bin/echo, args: ["\${tasks.e1.output}"]}}
`.replace('name: e1, type: shell,', "name: e1, type: shell, output: true,"),
      "/virtual/wf.yaml",
      TEST_DEFAULTS,
    );
    expect(workflow.handlers.on_failure).toEqual([]);
    expect(workflow.handlers.on_success.map((task) => [task.name, task.retry.retries])).toEqual([["s", 2]]);
    expect(workflow.handlers.on_exit.map((task) => [task.name, task.dependsOn, task.keepsOutput])).toEqual([
      ["e1", [], true],
      ["e2", ["e1"], true],
    ]);
    expect(workflow.tasks.find((task) => task.name === "a")?.keepsOutput).toBe(true);
  });
});

test("picoflow validate prints each reference problem as file:line:column and exits 2", async () => {
  const folder = tempDir("picoflow-references-cli-");
  try {
    const file = folder.write("wf.yaml", `${PRODUCERS}  - name: b
    type: shell
    config: {command: /bin/echo, args: ["\${tasks.a.output}"]}
on_exit:
  - {name: e, type: ssh, config: {host: h, user: u, command: "echo \\"\${run.status}\\""}}
`);
    const result = await runCli(["validate", file]);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim().split("\n")).toEqual([
      `error: ${file}:12:41: task 'b': config.args[0]: \${tasks.a.output} refers to task 'a', which is not upstream of 'b'; add it to depends_on`,
      `error: ${file}:14:62: on_exit task 'e': config.command: \${run.status} is inside double quotes; write it bare: PicoFlow inserts it as one single-quoted word`,
    ]);
  } finally {
    folder.cleanup();
  }
});
