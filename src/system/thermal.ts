/** The hottest thermal zone: the largest of the files the glob matches, in millidegrees. */
import { absent, isMissing, ok, parseWith, readText, unreadable, type Reading } from "./reading.ts";

export interface Temperature {
  celsius: number;
  /** The zone file that was hottest. */
  zone: string;
}

const MILLIDEGREES_PER_DEGREE = 1000;

/**
 * Reads every zone the glob matches and keeps the hottest. No match means the machine has
 * no thermal zone (absent); a zone that cannot be parsed makes the whole reading unreadable,
 * since a gate must not open on the zones that happened to parse.
 */
export function readHottestTemperature(thermalGlob: string): Reading<Temperature> {
  const zones = matchFiles(thermalGlob);
  if (zones.kind !== "ok") return zones;
  let hottest: Temperature | undefined;
  for (const zone of zones.value) {
    const reading = parseWith(readText(zone), parseMillidegrees);
    if (reading.kind === "absent") continue; // vanished between the glob and the read
    if (reading.kind === "unreadable") return reading;
    if (!hottest || reading.value > hottest.celsius) hottest = { celsius: reading.value, zone };
  }
  return hottest ? ok(hottest, hottest.zone) : absent(thermalGlob);
}

export function parseMillidegrees(text: string): number | string {
  const trimmed = text.trim();
  if (!/^-?\d+$/.test(trimmed)) return `not a temperature in millidegrees: "${trimmed.slice(0, 40)}"`;
  return Number(trimmed) / MILLIDEGREES_PER_DEGREE;
}

/** Files matching an absolute or relative glob; scanning starts at its literal prefix. */
function matchFiles(pattern: string): Reading<string[]> {
  const parts = pattern.split("/");
  const firstWild = parts.findIndex((part) => /[*?[{]/.test(part));
  if (firstWild === -1) return readText(pattern).kind === "absent" ? absent(pattern) : ok([pattern], pattern);
  const root = parts.slice(0, firstWild).join("/") || (pattern.startsWith("/") ? "/" : ".");
  const rest = parts.slice(firstWild).join("/");
  try {
    const found = [...new Bun.Glob(rest).scanSync({ cwd: root, absolute: true, onlyFiles: true, followSymlinks: true })];
    return found.length === 0 ? absent(pattern) : ok(found.sort(), pattern);
  } catch (error) {
    if (isMissing(error)) return absent(pattern);
    return unreadable(pattern, (error as Error).message);
  }
}
