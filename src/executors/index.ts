import { httpExecutor } from "./http.ts";
import { createShellExecutor } from "./shell.ts";
import { createSshExecutor } from "./ssh.ts";
import type { ExecutorRegistry } from "./types.ts";

/** The executors `run` and the daemon use; make one per run and dispose of it when the run ends. */
export function defaultExecutors(): ExecutorRegistry {
  return { shell: createShellExecutor(), http: httpExecutor, ssh: createSshExecutor() };
}

/** Releases what the run's executors hold (pooled SSH connections); never throws. */
export async function disposeExecutors(registry: ExecutorRegistry): Promise<void> {
  await Promise.allSettled(Object.values(registry).map(async (executor) => executor.dispose?.()));
}
