#!/usr/bin/env bun
/** The CLI root: parses argv, dispatches, and is the only place that turns errors into messages and exit codes. */
import { cli, command } from "cleye";
import packageJson from "../package.json" with { type: "json" };
import { attachNegativeValues, extractGlobalFlags } from "./cli/global-flags.ts";
import type { GlobalFlags } from "./config/settings.ts";
import { rejectExtraArguments, rejectUnknownFlags } from "./cli/arguments.ts";
import { runCommand } from "./cli/run.ts";
import { TEMPLATE_TYPES, templateCommand } from "./cli/template.ts";
import { validateCommand } from "./cli/validate.ts";
import { inspectCommands } from "./cli/inspect-commands.ts";
import { daemonCommands } from "./cli/daemon.ts";
import { terminalLine } from "./util/terminal-text.ts";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, PicoflowError, UsageError } from "./errors.ts";

export const VERSION: string = packageJson.version;

const globalFlagHelp = {
  logLevel: { type: String, description: "Log level: error, warn, info, debug, trace (env PICOFLOW_LOG_LEVEL)" },
  logFormat: { type: String, description: "Log format on stderr: json or pretty (env PICOFLOW_LOG_FORMAT)" },
  dbPath: { type: String, description: "History database file (env PICOFLOW_DB_PATH; default ./picoflow.db)" },
} as const;

/** Each command hands the promise of its exit code to `settle` (cleye's callbacks return void). */
function commands(globals: GlobalFlags, settle: (exitCode: Promise<number>) => void) {
  return [
    command(
      {
        name: "run",
        parameters: ["[workflow file]"],
        flags: { resume: { type: String, description: "Resume an execution: re-run only what did not succeed" } },
        help: { description: "Run a workflow once and record it in the history database" },
      },
      (argv) => {
        rejectUnknownFlags(argv.unknownFlags);
        rejectExtraArguments(argv._, 1, "picoflow run FILE | picoflow run --resume ID");
        settle(runCommand({ file: argv._.workflowFile, resume: argv.flags.resume, globals }));
      },
    ),
    command(
      {
        name: "validate",
        parameters: ["[workflow file]"],
        help: { description: "Check a workflow file: schema, dependencies, cycles, schedule" },
      },
      (argv) => {
        rejectUnknownFlags(argv.unknownFlags);
        rejectExtraArguments(argv._, 1, "picoflow validate FILE");
        const file = argv._.workflowFile;
        if (!file) throw new UsageError("validate needs a workflow file: picoflow validate FILE");
        settle(validateCommand(file, globals));
      },
    ),
    command(
      {
        name: "template",
        flags: {
          type: { type: String, description: `Kind of workflow: ${TEMPLATE_TYPES.join(", ")} (default minimal)` },
          output: { type: String, alias: "o", description: "Write to this file (never overwrites) instead of stdout" },
        },
        help: { description: "Print a commented starting workflow" },
      },
      (argv) => {
        rejectUnknownFlags(argv.unknownFlags);
        if (argv._.length > 0) throw new UsageError(`template takes no arguments; use --output ${argv._[0]}`);
        settle(templateCommand({ type: argv.flags.type, output: argv.flags.output }));
      },
    ),
    ...inspectCommands(globals, settle),
    ...daemonCommands(globals, settle),
  ];
}

async function dispatch(argv: string[]): Promise<number> {
  const { globals, rest } = extractGlobalFlags(attachNegativeValues(argv));
  if (rest[0] === "-V" || rest[0] === "--version") {
    process.stdout.write(`picoflow ${VERSION}\n`);
    return EXIT_OK;
  }
  let exitCode: Promise<number> = Promise.resolve(EXIT_USAGE);
  const settle = (promise: Promise<number>) => {
    exitCode = promise;
  };
  cli(
    {
      name: "picoflow",
      version: VERSION,
      flags: globalFlagHelp,
      commands: commands(globals, settle),
      help: { description: "A small DAG workflow orchestrator: shell, SSH and HTTP tasks, retries, timeouts, cron, SQLite history." },
    },
    (argv) => {
      rejectUnknownFlags(argv.unknownFlags);
      const word = argv._[0];
      if (word !== undefined) throw new UsageError(`unknown command '${word}' (see picoflow --help)`);
      argv.showHelp();
    },
    rest,
  );
  return await exitCode;
}

export async function main(argv: string[]): Promise<number> {
  try {
    return await dispatch(argv);
  } catch (error) {
    if (error instanceof PicoflowError) {
      for (const line of error.lines()) process.stderr.write(`${terminalLine(line.startsWith("error:") ? line : `error: ${line}`)}\n`);
      return error.exitCode;
    }
    process.stderr.write(`${terminalLine(`error: internal error: ${(error as Error)?.message ?? String(error)}`)}\n`);
    if (process.env.PICOFLOW_DEBUG) process.stderr.write(`${(error as Error)?.stack}\n`);
    return EXIT_FAILED;
  }
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
