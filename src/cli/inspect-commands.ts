/**
 * The cleye definitions of the inspecting commands: status, workflow, history, stats, logs,
 * graph. Each implementation is imported only when its command runs, so `run` and the
 * daemon do not pay for code they never use.
 */
import { command } from "cleye";
import type { GlobalFlags } from "../config/settings.ts";
import { UsageError } from "../errors.ts";
import { rejectExtraArguments, rejectUnknownFlags } from "./arguments.ts";

type Settle = (exitCode: Promise<number>) => void;

const workflowFlag = { type: String, description: "Only this workflow (also accepted as the first argument)" } as const;
const formatFlag = { type: String, description: "Output format: table or json" } as const;

export function inspectCommands(globals: GlobalFlags, settle: Settle) {
  return [
    command(
      {
        name: "status",
        parameters: ["[workflow]"],
        flags: {
          workflow: workflowFlag,
          runningOnly: { type: Boolean, description: "Only executions that are running now" },
          format: formatFlag,
        },
        help: { description: "Show running executions and each workflow's latest one, task by task" },
      },
      (argv) => {
        rejectUnknownFlags(argv.unknownFlags);
        rejectExtraArguments(argv._, 1, "picoflow status [WORKFLOW]");
        const { workflow, runningOnly, format } = argv.flags;
        settle(import("./status.ts").then((m) => m.statusCommand({ workflowArg: argv._.workflow, workflow, runningOnly, format, globals })));
      },
    ),
    command(
      {
        name: "workflow",
        parameters: ["[subcommand]"],
        flags: {
          all: { type: Boolean, description: "workflow list: include inactive workflows (file gone, not in a running daemon)" },
          format: formatFlag,
        },
        help: { description: "Workflows known from runs and from a running daemon: picoflow workflow list" },
      },
      (argv) => {
        rejectUnknownFlags(argv.unknownFlags);
        rejectExtraArguments(argv._, 1, "picoflow workflow list");
        const subcommand = argv._.subcommand;
        if (subcommand !== "list") {
          throw new UsageError(
            subcommand === undefined ? "workflow needs a subcommand: picoflow workflow list" : `unknown workflow subcommand '${subcommand}' (try: picoflow workflow list)`,
          );
        }
        const { all, format } = argv.flags;
        settle(import("./workflow-list.ts").then((m) => m.workflowListCommand({ all, format, globals })));
      },
    ),
    command(
      {
        name: "history",
        parameters: ["[workflow]"],
        flags: {
          workflow: workflowFlag,
          status: { type: String, description: "Only executions with this status: success, failed, running, interrupted" },
          limit: { type: String, description: "At most this many executions (default 10)" },
          since: { type: String, description: "Only executions started on or after this day (YYYY-MM-DD, local time)" },
          format: formatFlag,
        },
        help: { description: "List recent workflow executions, newest first" },
      },
      (argv) => {
        rejectUnknownFlags(argv.unknownFlags);
        rejectExtraArguments(argv._, 1, "picoflow history [WORKFLOW]");
        const { workflow, status, limit, since, format } = argv.flags;
        settle(import("./history.ts").then((m) => m.historyCommand({ workflowArg: argv._.workflow, workflow, status, limit, since, format, globals })));
      },
    ),
    command(
      {
        name: "stats",
        parameters: ["[workflow]"],
        flags: {
          workflow: workflowFlag,
          period: { type: String, description: "Look back this many days (default 30)" },
          format: formatFlag,
        },
        help: { description: "Success rates, durations, per-task statistics and failure reasons" },
      },
      (argv) => {
        rejectUnknownFlags(argv.unknownFlags);
        rejectExtraArguments(argv._, 1, "picoflow stats [WORKFLOW]");
        const { workflow, period, format } = argv.flags;
        settle(import("./stats.ts").then((m) => m.statsCommand({ workflowArg: argv._.workflow, workflow, period, format, globals })));
      },
    ),
    command(
      {
        name: "logs",
        parameters: ["[workflow]"],
        flags: {
          workflow: workflowFlag,
          task: { type: String, description: "Only this task's log" },
          executionId: { type: String, description: "This execution (full id, unique prefix or short id) instead of the latest" },
          tail: { type: String, description: "Last N lines of each log (default 100)" },
          follow: { type: Boolean, description: "Keep printing new output until the execution (or --task) ends" },
        },
        help: { description: "Show task log files of an execution (the latest by default)" },
      },
      (argv) => {
        rejectUnknownFlags(argv.unknownFlags);
        rejectExtraArguments(argv._, 1, "picoflow logs [WORKFLOW]");
        const { workflow, task, executionId, tail, follow } = argv.flags;
        settle(import("./logs.ts").then((m) => m.logsCommand({ workflowArg: argv._.workflow, workflow, task, executionId, tail, follow, globals })));
      },
    ),
    command(
      {
        name: "graph",
        parameters: ["[workflow file]"],
        flags: {
          format: { type: String, description: "Diagram language: mermaid (default), dot, or svg (a ready picture)" },
          executionId: { type: String, description: "Colour the tasks by their state in this execution" },
        },
        help: { description: "Print a workflow's DAG as a Mermaid or Graphviz diagram, or as SVG" },
      },
      (argv) => {
        rejectUnknownFlags(argv.unknownFlags);
        rejectExtraArguments(argv._, 1, "picoflow graph FILE");
        const { format, executionId } = argv.flags;
        settle(import("./graph.ts").then((m) => m.graphCommand({ file: argv._.workflowFile, format, executionId, globals })));
      },
    ),
  ];
}
