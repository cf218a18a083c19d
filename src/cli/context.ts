/** What every command starts from: resolved settings and a logger. */
import { terminalLine } from "../util/terminal-text.ts";
import { homedir } from "node:os";
import type { LogLevel } from "../config/defaults.ts";
import { type GlobalFlags, resolveSettings, type Settings } from "../config/settings.ts";
import { createLogger, type Logger } from "../observability/logger.ts";

export interface CommandContext {
  settings: Settings;
  logger: Logger;
  env: Readonly<Record<string, string | undefined>>;
  stdout: (line: string) => void;
  stderr: (line: string) => void;
}

/**
 * `configDirs` are searched for picoflow.toml before the cwd and the home config (the
 * workflow's folder first); `fallbackLogLevel` applies when no flag, variable or file sets one.
 */
export async function createContext(globals: GlobalFlags, configDirs: string[] = [], fallbackLogLevel?: LogLevel): Promise<CommandContext> {
  const env = process.env;
  const settings = resolveSettings({
    flags: globals,
    env,
    searchDirs: [...configDirs, process.cwd()],
    homeDir: env.HOME ?? homedir(),
    stderrIsTerminal: Boolean(process.stderr.isTTY),
    ...(fallbackLogLevel ? { fallbackLogLevel } : {}),
  });
  return {
    settings,
    logger: await createLogger(settings.logLevel, settings.logFormat),
    env,
    stdout: (line) => process.stdout.write(`${line}\n`),
    // Warnings and notes quote files and tasks: escaped and bounded for the terminal.
    stderr: (line) => process.stderr.write(`${terminalLine(line)}\n`),
  };
}
