/**
 * What a board reader returns. A reading this machine simply does not have (no thermal
 * zone, not a Raspberry Pi) is `absent`: health metrics leave it out. A file that exists
 * but says something unexpected is `unreadable`: gates warn about it and stay closed.
 */
import { readFileSync } from "node:fs";

export type Reading<T> =
  | { readonly kind: "ok"; readonly value: T; readonly source: string }
  | { readonly kind: "absent"; readonly source: string }
  | { readonly kind: "unreadable"; readonly source: string; readonly reason: string };

export const ok = <T>(value: T, source: string): Reading<T> => ({ kind: "ok", value, source });
export const absent = <T>(source: string): Reading<T> => ({ kind: "absent", source });
export const unreadable = <T>(source: string, reason: string): Reading<T> => ({ kind: "unreadable", source, reason });

/** The value of an `ok` reading, undefined otherwise (for metrics, which skip the rest). */
export function valueOf<T>(reading: Reading<T>): T | undefined {
  return reading.kind === "ok" ? reading.value : undefined;
}

const MISSING_CODES = new Set(["ENOENT", "ENOTDIR"]);

/** True for the errors that mean "this path does not exist here". */
export function isMissing(error: unknown): boolean {
  return MISSING_CODES.has((error as NodeJS.ErrnoException).code ?? "");
}

/**
 * Reads a small text file, or says why not. A missing file is absent; any other failure
 * (permission, I/O error) makes the reading unreadable, since the thing is there.
 */
export function readText(path: string): Reading<string> {
  try {
    return ok(readFileSync(path, "utf8"), path);
  } catch (error) {
    if (isMissing(error)) return absent(path);
    return unreadable(path, (error as Error).message);
  }
}

/** Parses the text of an `ok` reading; passes absent and unreadable through. */
export function parseWith<T>(reading: Reading<string>, parse: (text: string) => T | string): Reading<T> {
  if (reading.kind !== "ok") return reading;
  const parsed = parse(reading.value);
  return typeof parsed === "string" ? unreadable(reading.source, parsed) : ok(parsed, reading.source);
}
