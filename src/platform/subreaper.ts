/**
 * PicoFlow as a child subreaper (prctl PR_SET_CHILD_SUBREAPER): a process a task forked that
 * outlives its parent is re-parented to PicoFlow instead of init, so it stays findable (and
 * killable) as our child however it left the task's process group (setsid, double fork).
 * The kernel then hands us its exit status too: `reap` collects it, or it stays a zombie.
 */
import { openLibc } from "./libc.ts";

const PR_SET_CHILD_SUBREAPER = 36;
const WNOHANG = 1;

export interface Subreaper {
  /** False when the kernel refused (not Linux, or too old): escaped processes then go to init. */
  readonly active: boolean;
  /** Collects the exit status of a child that has ended; true when it was collected. */
  reap(pid: number): boolean;
}

/** Makes this process a subreaper; idempotent, so each run's executors may call it. */
export function becomeSubreaper(): Subreaper {
  let lib: ReturnType<typeof open>;
  try {
    lib = open();
  } catch {
    return { active: false, reap: () => false };
  }
  const active = lib.symbols.prctl(PR_SET_CHILD_SUBREAPER, 1n, 0n, 0n, 0n) === 0;
  return { active, reap: (pid) => lib.symbols.waitpid(pid, null, WNOHANG) === pid };
}

function open() {
  return openLibc({
    prctl: { args: ["i32", "u64", "u64", "u64", "u64"], returns: "i32" },
    waitpid: { args: ["i32", "ptr", "i32"], returns: "i32" },
  });
}
