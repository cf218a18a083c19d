/**
 * "Anything the task forked goes too": after a task's process group is killed, what it forked
 * and moved out of the group (setsid, a daemonising double fork) is still alive and may hold
 * its output pipes. With PicoFlow as subreaper those processes are re-parented to PicoFlow;
 * the ones carrying this attempt's markers in their environment are killed and reaped.
 */
import { readFileSync } from "node:fs";
import type { Subreaper } from "../platform/subreaper.ts";
import { EXECUTION_ID_VARIABLE, TASK_VARIABLE } from "../util/task-markers.ts";

/** Killing a process re-parents its own children to us: look again, a bounded number of times. */
const MAX_ROUNDS = 50;
const ROUND_PAUSE_MS = 5;

function children(): number[] {
  // Orphans are re-parented to the subreaper's main thread, which is also the one Bun spawns from.
  try {
    return readFileSync(`/proc/self/task/${process.pid}/children`, "latin1").trim().split(" ").filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** State letter, process group and start time from /proc/<pid>/stat (readable for zombies too). */
function stat(pid: number): { state: string; group: number; startTime: string } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "latin1");
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0] ?? "", group: Number(fields[2]), startTime: fields[19] ?? "" };
  } catch {
    return undefined;
  }
}

/**
 * Zombies that lead their own group look like a task process Bun has yet to collect, but Bun
 * collects its own within an event-loop turn. One still there a second later is an escapee
 * that ended on its own (it cleared its environment, so it was never recognised): nobody
 * else will reap it, and a daemon would keep it until it restarts. PID -> when first seen.
 */
const lingeringZombies = new Map<number, { startTime: string; since: number }>();
const LINGER_MS = 1000;

function isLingering(pid: number, startTime: string, now: number): boolean {
  const seen = lingeringZombies.get(pid);
  if (seen?.startTime === startTime) return now - seen.since >= LINGER_MS;
  lingeringZombies.set(pid, { startTime, since: now });
  return false;
}

function carries(pid: number, wanted: readonly string[]): boolean {
  try {
    const variables = readFileSync(`/proc/${pid}/environ`, "latin1").split("\0");
    return wanted.every((variable) => variables.includes(variable));
  } catch {
    return false;
  }
}

/**
 * Kills and reaps every child of ours that carries the attempt's markers (`env` as given to the
 * task); returns how many. Zombies that left a task's group are reaped too: every process Bun
 * spawns leads its own group, so one whose group differs from its PID can only be an orphan;
 * so are group leaders that have been zombies for a second (isLingering).
 */
export async function killEscapedProcesses(
  env: Readonly<Record<string, string | undefined>>,
  reaper: Subreaper,
  /** Task processes Bun still waits for (the run's other tasks): never escapees, and not ours to reap. */
  running: ReadonlySet<number>,
): Promise<number> {
  if (!reaper.active) return 0;
  const executionId = env[EXECUTION_ID_VARIABLE];
  const task = env[TASK_VARIABLE];
  if (executionId === undefined || task === undefined) return 0;
  const wanted = [`${EXECUTION_ID_VARIABLE}=${executionId}`, `${TASK_VARIABLE}=${task}`];
  const killed = new Set<number>();
  const unreaped = new Set<number>();
  for (let round = 0; round < MAX_ROUNDS; round++) {
    let killedNow = false;
    const present = children();
    for (const pid of unreaped) if (!present.includes(pid)) unreaped.delete(pid);
    if (round === 0) for (const pid of lingeringZombies.keys()) if (!present.includes(pid)) lingeringZombies.delete(pid);
    for (const pid of present) {
      // Reading a sibling's /proc entry costs more than the whole search otherwise (its environ may wait on its exec).
      if (running.has(pid)) continue;
      const info = stat(pid);
      if (!info) continue;
      if (info.state === "Z") {
        const ours = unreaped.has(pid) || info.group !== pid || isLingering(pid, info.startTime, Date.now());
        if (ours && reaper.reap(pid)) {
          unreaped.delete(pid);
          lingeringZombies.delete(pid);
        }
        continue;
      }
      if (killed.has(pid) || !carries(pid, wanted)) continue;
      try {
        process.kill(pid, "SIGKILL");
        killed.add(pid);
        unreaped.add(pid);
        killedNow = true;
      } catch {
        // Already gone.
      }
    }
    // A killed process's own children come to us once it is dead: look until a round finds nothing new.
    if (!killedNow && unreaped.size === 0) break;
    await Bun.sleep(ROUND_PAUSE_MS);
  }
  return killed.size;
}
