/** Everything the health metrics and `daemon status` report, read in one call. */
import { dirname } from "node:path";
import { type BoardPaths, type BoardReadings, readBoard } from "./board.ts";
import type { Reading } from "./reading.ts";
import { readDatabaseBytes, readLogsBytes } from "./storage.ts";

export interface HealthSources {
  board: BoardPaths;
  /** The history database: its size, and the file system whose free space is reported. */
  dbPath: string;
  logsDir: string;
}

export interface Health extends BoardReadings {
  historyDbBytes: Reading<number>;
  logsBytes: Reading<number>;
}

/** `logsBytes` lets a caller that reads often (the metrics) cache the one costly walk. */
export async function readHealth(sources: HealthSources, logsBytes = () => readLogsBytes(sources.logsDir)): Promise<Health> {
  return {
    ...readBoard(sources.board, dirname(sources.dbPath)),
    historyDbBytes: readDatabaseBytes(sources.dbPath),
    logsBytes: await logsBytes(),
  };
}
