/** A task's resource gates: its own fields win over the workflow's `config.gates`, field by field. */
import { dirname, resolve } from "node:path";
import { DEFAULT_GATE_DISK_PATH } from "../config/defaults.ts";
import type { Gate } from "./model.ts";
import type { RawGates } from "./schema.ts";

export function resolveGates(workflowGates: RawGates | undefined, taskGates: RawGates | undefined, sourceFile: string): Gate[] {
  const merged: RawGates = { ...workflowGates, ...taskGates };
  const gates: Gate[] = [];
  if (merged.min_free_memory_mb !== undefined) gates.push({ kind: "free-memory", minMb: merged.min_free_memory_mb });
  if (merged.max_temperature_c !== undefined) gates.push({ kind: "temperature", maxCelsius: merged.max_temperature_c });
  if (merged.max_load !== undefined) gates.push({ kind: "load", max: merged.max_load });
  if (merged.min_free_disk_mb !== undefined) {
    // Relative to the workflow file, like ca_file and key_path.
    const path = resolve(dirname(sourceFile), merged.disk_path ?? DEFAULT_GATE_DISK_PATH);
    gates.push({ kind: "free-disk", minMb: merged.min_free_disk_mb, path });
  }
  if (merged.not_throttled) gates.push({ kind: "not-throttled" });
  return gates;
}
