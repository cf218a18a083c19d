import type { HttpTask, SshTask } from "../workflow/model.ts";
import { shellExecutor } from "./shell.ts";
import { type Executor, type ExecutorRegistry, failure } from "./types.ts";

const notYetSupported = (type: string): Executor<HttpTask | SshTask> => ({
  run: async () => failure("config", `${type} tasks are not supported by this build yet`),
});

/** The executors `run` and the daemon use. */
export function defaultExecutors(): ExecutorRegistry {
  return { shell: shellExecutor, http: notYetSupported("http"), ssh: notYetSupported("ssh") };
}
