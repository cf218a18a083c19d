/** Checks shared by every command's cleye callback: no unknown flags, no stray words. */
import { UsageError } from "../errors.ts";

/** `command` names the help to point at: `picoflow daemon --help` rather than the top-level one. */
export function rejectUnknownFlags(unknownFlags: Record<string, unknown>, command?: string): void {
  const names = Object.keys(unknownFlags);
  if (names.length > 0) throw new UsageError(`unknown flag --${names[0]} (see picoflow ${command ? `${command} ` : ""}--help)`);
}

/** `picoflow run a.yaml b.yaml`: the second word is a mistake, not something to ignore. */
export function rejectExtraArguments(positionals: readonly string[], allowed: number, usage: string): void {
  if (positionals.length > allowed) throw new UsageError(`unexpected argument '${positionals[allowed]}' (usage: ${usage})`);
}
