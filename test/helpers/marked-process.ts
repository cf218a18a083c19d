/** Real `sleep` processes carrying (or not) an execution's task markers, as a dead PicoFlow would leave them. */
import { readFileSync } from "node:fs";

/**
 * Starts `sleep SECONDS` with `env` added and resolves once it has exec'd: before that,
 * /proc shows the environment of its parent (the test), not the one it was given.
 */
export async function startSleeper(seconds: string, options: { detached: boolean; env?: Record<string, string> }): Promise<Bun.Subprocess> {
  const child = Bun.spawn(["sleep", seconds], { detached: options.detached, stdio: ["ignore", "ignore", "ignore"], env: { ...process.env, ...options.env } });
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && !readFileSync(`/proc/${child.pid}/cmdline`, "latin1").startsWith("sleep")) await Bun.sleep(2);
  return child;
}

export const exitedWithin = (child: Bun.Subprocess, ms: number): Promise<boolean> =>
  Promise.race([child.exited.then(() => true), Bun.sleep(ms).then(() => false)]);
