/**
 * The global flags may stand before or after the command (`picoflow --db-path x run f.yaml`
 * and `picoflow run f.yaml --db-path x`), so they are taken out of argv before cleye sees it.
 */
import type { GlobalFlags } from "../config/settings.ts";
import { UsageError } from "../errors.ts";

const GLOBAL_FLAGS = { "--log-level": "logLevel", "--log-format": "logFormat", "--db-path": "dbPath" } as const;
type FlagName = keyof typeof GLOBAL_FLAGS;

export function extractGlobalFlags(argv: readonly string[]): { globals: GlobalFlags; rest: string[] } {
  const globals: GlobalFlags = {};
  const rest: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const token = argv[index] as string;
    if (token === "--") {
      rest.push(...argv.slice(index));
      break;
    }
    const [name, inlineValue] = token.includes("=") ? [token.slice(0, token.indexOf("=")), token.slice(token.indexOf("=") + 1)] : [token, undefined];
    if (!(name in GLOBAL_FLAGS)) {
      rest.push(token);
      continue;
    }
    const value = inlineValue ?? argv[++index];
    if (value === undefined || value === "" || (inlineValue === undefined && value.startsWith("--"))) {
      throw new UsageError(`${name} needs a value`);
    }
    globals[GLOBAL_FLAGS[name as FlagName]] = value;
  }
  return { globals, rest };
}

/**
 * `--limit -1` reaches the command as `--limit=-1`, so that its own check says what is wrong
 * with the value; cleye would read `-1` as a cluster of short flags ("unknown flag --1").
 * No PicoFlow flag is a digit, so a word like `-1` or `-2.5` after a long flag is its value.
 */
export function attachNegativeValues(argv: readonly string[]): string[] {
  const end = argv.includes("--") ? argv.indexOf("--") : argv.length;
  const out: string[] = [];
  for (const token of argv.slice(0, end)) {
    const previous = out.at(-1);
    if (/^-\d/.test(token) && previous?.startsWith("--") && !previous.includes("=")) out[out.length - 1] = `${previous}=${token}`;
    else out.push(token);
  }
  // After `--` every word is an argument, left as it is.
  return [...out, ...argv.slice(end)];
}
