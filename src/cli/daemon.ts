/** The cleye definitions of `picoflow daemon start|stop|status` and `picoflow trigger`; the actions load only when the command runs. */
import { rejectUnknownFlags } from "./arguments.ts";
import { command } from "cleye";
import packageJson from "../../package.json" with { type: "json" };
import type { GlobalFlags } from "../config/settings.ts";
import { UsageError } from "../errors.ts";
import { parseDecimalInteger } from "../util/decimal.ts";
import { MAX_DURATION_SECONDS } from "../util/duration.ts";

type Settle = (exitCode: Promise<number>) => void;

export function daemonCommands(globals: GlobalFlags, settle: Settle) {
  return [
    command(
      {
        name: "daemon",
        parameters: ["[action]", "[workflow files...]"],
        flags: {
          foreground: { type: Boolean, description: "start: stay in the foreground, logging to stderr (the default when not on a terminal)" },
          detach: { type: Boolean, description: "start: go to the background, logging to picoflow.log beside the database" },
          pidFile: { type: String, description: "PID file (default picoflow.pid beside the database)" },
          timeout: { type: String, description: "stop: seconds to wait for the daemon to exit (default: shutdown grace + 20)" },
        },
        help: {
          description: "Run scheduled workflows: daemon start FILE|FOLDER..., daemon stop, daemon status",
          examples: ["picoflow daemon start backup.yaml monitoring.yaml", "picoflow daemon start /opt/picoflow/workflows", "picoflow daemon status", "picoflow daemon stop"],
        },
      },
      (argv) => {
        rejectUnknownFlags(argv.unknownFlags, "daemon");
        const { foreground, detach, pidFile, timeout } = argv.flags;
        const timeoutSeconds = timeout === undefined ? undefined : parseDecimalInteger(timeout, 1, MAX_DURATION_SECONDS);
        if (timeout !== undefined && timeoutSeconds === undefined) {
          throw new UsageError(`--timeout: "${timeout}" is not a whole number of seconds from 1 to ${MAX_DURATION_SECONDS}`);
        }
        settle(
          import("./daemon-actions.ts").then((actions) =>
            actions.daemonCommand({
              action: argv._.action,
              files: argv._.workflowFiles,
              foreground: Boolean(foreground),
              detach: Boolean(detach),
              pidFile,
              timeoutSeconds,
              globals,
              version: packageJson.version,
            }),
          ),
        );
      },
    ),
    command(
      {
        name: "trigger",
        parameters: ["[workflow]"],
        flags: { pidFile: { type: String, description: "The daemon's PID file (default picoflow.pid beside the database)" } },
        help: {
          description: "Ask the running daemon to run a workflow now; prints the execution id",
          examples: ["picoflow trigger backup-workflow"],
        },
      },
      (argv) => {
        rejectUnknownFlags(argv.unknownFlags, "trigger");
        if (argv._.length > 1) throw new UsageError(`trigger takes one workflow name (got ${argv._.length})`);
        settle(import("./trigger.ts").then((trigger) => trigger.triggerCommand({ workflow: argv._.workflow, pidFile: argv.flags.pidFile, globals })));
      },
    ),
  ];
}
