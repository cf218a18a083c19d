/**
 * One daemon per database: a single-row `daemon_lock` table names the owning process. Taking
 * it is one IMMEDIATE transaction, so two daemons starting at once cannot both win; a row
 * left by a dead process (kill -9, power loss) is taken over.
 */
import type { Database } from "bun:sqlite";
import { StoreError } from "../errors.ts";
import type { ProcessIdentity } from "../util/process-identity.ts";
import { toSqlTime } from "../util/time.ts";
import type { DaemonLockResult } from "./types.ts";

// Created on first use rather than by a migration: only daemons touch it, and an older
// PicoFlow opening the file ignores an extra table.
const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS daemon_lock (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  pid INTEGER NOT NULL,
  start_ticks TEXT NOT NULL,
  acquired_at TEXT NOT NULL
)`;

interface LockRecord {
  pid: number;
  start_ticks: string;
}

/** Takes the lock for `me` unless a live process (per `isAlive`) holds it. */
export function acquireDaemonLock(db: Database, me: ProcessIdentity, isAlive: (holder: ProcessIdentity) => boolean): DaemonLockResult {
  try {
    return db
      .transaction((): DaemonLockResult => {
        db.run(CREATE_TABLE);
        const row = db.query("SELECT pid, start_ticks FROM daemon_lock WHERE id = 1").get() as LockRecord | null;
        if (row) {
          const holder = { pid: row.pid, startTicks: row.start_ticks };
          const mine = holder.pid === me.pid && holder.startTicks === me.startTicks;
          if (!mine && isAlive(holder)) return { acquired: false, holder };
        }
        db.query("INSERT OR REPLACE INTO daemon_lock (id, pid, start_ticks, acquired_at) VALUES (1, ?, ?, ?)").run(
          me.pid,
          me.startTicks,
          toSqlTime(new Date()),
        );
        return { acquired: true };
      })
      .immediate();
  } catch (error) {
    throw new StoreError(`could not take the daemon lock: ${(error as Error).message}`, { cause: error });
  }
}

/** Releases the lock if `me` still holds it. */
export function releaseDaemonLock(db: Database, me: ProcessIdentity): void {
  try {
    db.query("DELETE FROM daemon_lock WHERE id = 1 AND pid = ? AND start_ticks = ?").run(me.pid, me.startTicks);
  } catch (error) {
    throw new StoreError(`could not release the daemon lock: ${(error as Error).message}`, { cause: error });
  }
}
