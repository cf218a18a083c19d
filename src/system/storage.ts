/** How much room PicoFlow's own files take: the history database (with its WAL) and logs/. */
import { statSync } from "node:fs";
import { directoryBytes } from "../util/directory-size.ts";
import { absent, isMissing, ok, unreadable, type Reading } from "./reading.ts";

/** The database file plus its write-ahead log, as they sit on the disk now. */
export function readDatabaseBytes(dbPath: string): Reading<number> {
  try {
    const main = statSync(dbPath).size;
    const wal = statSync(`${dbPath}-wal`, { throwIfNoEntry: false })?.size ?? 0;
    return ok(main + wal, dbPath);
  } catch (error) {
    return isMissing(error) ? absent(dbPath) : unreadable(dbPath, (error as Error).message);
  }
}

/** Every file under the logs folder; absent while no task has written a log yet. */
export async function readLogsBytes(logsDir: string): Promise<Reading<number>> {
  try {
    return ok(await directoryBytes(logsDir), logsDir);
  } catch (error) {
    return isMissing(error) ? absent(logsDir) : unreadable(logsDir, (error as Error).message);
  }
}
