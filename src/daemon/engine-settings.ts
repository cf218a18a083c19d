/**
 * The JavaScript engine settings the daemon runs with: JSC's optimising JIT tiers off, so
 * code runs in the interpreter, which keeps no compiled machine code and none of the tiers'
 * profiling data (bench/README.md: 3.5-5 MB less private memory, 5-9 MB less RSS; cron
 * lateness and a 100-task run within noise). JSC reads these from the environment when the
 * process starts, so a daemon started without them replaces itself (execve, same PID, same
 * arguments) with the settings added: under systemd, from a terminal and from a script alike.
 * `picoflow run` and the other commands never pay for it.
 *
 * A value the user set is kept (`BUN_JSC_useDFGJIT=1` turns that tier back on). The full
 * `BUN_JSC_useJIT=0` is not an option: bun:ffi, which the idle page release needs, refuses
 * to load without the JIT.
 */

export const ENGINE_SETTINGS: Readonly<Record<string, string>> = {
  BUN_JSC_useBaselineJIT: "0",
  BUN_JSC_useDFGJIT: "0",
  BUN_JSC_useFTLJIT: "0",
};
/** Set across the execve: which variables were added (so they are not passed on to tasks). */
export const ADDED_ENV = "PICOFLOW_ENGINE_SETTINGS_ADDED";

export type Adoption =
  | { kind: "adopted"; added: string[] }
  | { kind: "already-set" }
  | { kind: "not-adopted"; reason: string };

/** The variables to add to `env`, none if the user set them all. */
export function missingSettings(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  return Object.fromEntries(Object.entries(ENGINE_SETTINGS).filter(([name]) => env[name] === undefined));
}

/**
 * Called once by `daemon start` in the foreground. After the replacement: removes what it
 * added from `env` (the engine has read it) and says so. Otherwise replaces the process when
 * something is missing; returns only when it did not (then the daemon runs with the defaults).
 */
export async function adoptEngineSettings(env: Record<string, string | undefined>, command: readonly string[]): Promise<Adoption> {
  const marker = env[ADDED_ENV];
  if (marker !== undefined) {
    const added = marker.split(",").filter((name) => name in ENGINE_SETTINGS);
    for (const name of [...added, ADDED_ENV]) delete env[name];
    return { kind: "adopted", added };
  }
  const missing = missingSettings(env);
  if (Object.keys(missing).length === 0) return { kind: "already-set" };
  if (process.platform !== "linux") return { kind: "not-adopted", reason: `not Linux (${process.platform})` };
  const next = { ...env, ...missing, [ADDED_ENV]: Object.keys(missing).join(",") };
  const failure = await execve(command, next);
  return { kind: "not-adopted", reason: failure };
}

/** Replaces this process; returns why not if the call fails. */
async function execve(command: readonly string[], env: Record<string, string | undefined>): Promise<string> {
  let ffi: typeof import("bun:ffi");
  let libcDoor: typeof import("../platform/libc.ts");
  try {
    [ffi, libcDoor] = await Promise.all([import("bun:ffi"), import("../platform/libc.ts")]);
  } catch (error) {
    return `bun:ffi is unavailable: ${(error as Error).message}`;
  }
  const { FFIType, ptr } = ffi;
  const cString = (text: string) => Buffer.from(`${text}\0`);
  // Kept in variables until the call: the pointer arrays point into them.
  const argv = command.map(cString);
  const envp = Object.entries(env).flatMap(([name, value]) => (value === undefined ? [] : [cString(`${name}=${value}`)]));
  const table = (strings: Buffer[]) => {
    const pointers = new BigUint64Array(strings.length + 1);
    strings.forEach((text, index) => {
      pointers[index] = BigInt(ptr(text));
    });
    return pointers;
  };
  const argvTable = table(argv);
  const envTable = table(envp);
  const path = cString(command[0] as string);
  try {
    const libc = libcDoor.openLibc({ execve: { args: [FFIType.ptr, FFIType.ptr, FFIType.ptr], returns: FFIType.i32 } });
    libc.symbols.execve(ptr(path), ptr(argvTable), ptr(envTable));
    return "execve failed";
  } catch (error) {
    return `cannot call libc's execve: ${(error as Error).message}`;
  }
}
