/** Opening a SQLite file for the store: WAL, a busy timeout, and the schema brought up to date. */
import { constants, Database } from "bun:sqlite";
import { existsSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { StoreError } from "../errors.ts";
import { ensurePrivateFile, ownerOnlyProblem } from "../util/private-files.ts";
import { MIGRATIONS } from "./migrations.ts";
import { ensureIncrementalVacuum } from "./storage-budget.ts";

/** How long a writer waits for another process's lock before giving up. */
const BUSY_TIMEOUT_MS = 10_000;

export interface OpenOptions {
  /** Inspecting commands open read-only and never create a database. */
  readonly?: boolean;
}

/**
 * Reading needs no write access: on a read-only file system SQLite cannot create the WAL's
 * shared-memory file, so the database is opened immutable there (nothing can write it then).
 * The first read happens here, so a file that is not a database is named as such.
 */
function openReadonly(path: string): Database {
  try {
    return readable(new Database(path, { readonly: true }));
  } catch (error) {
    if (!/unable to open database file/i.test((error as Error).message)) throw error;
  }
  const uri = `file:${path.split("/").map(encodeURIComponent).join("/")}?immutable=1`;
  return readable(new Database(uri, constants.SQLITE_OPEN_READONLY | constants.SQLITE_OPEN_URI));
}

function readable(db: Database): Database {
  try {
    db.query("PRAGMA schema_version").get();
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function openDatabase(path: string, options: OpenOptions): Database {
  if (!existsSync(dirname(path))) throw new StoreError(`cannot open database ${path}: folder ${dirname(path)} does not exist`);
  if (isDirectory(path)) throw new StoreError(`cannot open database ${path}: it is a folder; the database setting (--db-path, PICOFLOW_DB_PATH, db_path) names a file`);
  try {
    // SQLite gives the WAL and SHM files the database file's mode: create it owner-only first.
    if (!options.readonly && path !== ":memory:") ensurePrivateFile(path);
    const db = options.readonly ? openReadonly(path) : new Database(path, { create: true });
    db.run(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (!options.readonly) {
      // First: on a new file it only takes effect before anything is written.
      db.run("PRAGMA auto_vacuum = INCREMENTAL");
      db.run("PRAGMA journal_mode = WAL");
      db.run("PRAGMA synchronous = NORMAL");
    }
    db.run("PRAGMA foreign_keys = ON");
    return db;
  } catch (error) {
    const denied = path === ":memory:" ? undefined : ownerOnlyProblem(path, options.readonly ? "read" : "write");
    throw new StoreError(`cannot open database ${path}: ${denied ?? (error as Error).message}`, { cause: error });
  }
}

function migrate(db: Database, path: string): void {
  const version = () => (db.query("PRAGMA user_version").get() as { user_version: number }).user_version;
  if (version() > MIGRATIONS.length) {
    throw new StoreError(`database ${path} was written by a newer PicoFlow (schema ${version()}); upgrade picoflow to use it`);
  }
  if (version() === MIGRATIONS.length) return;
  // IMMEDIATE takes the write lock first, so two processes starting at once migrate once.
  db.transaction(() => {
    for (let next = version(); next < MIGRATIONS.length; next++) {
      db.run(MIGRATIONS[next] as string);
      db.run(`PRAGMA user_version = ${next + 1}`);
    }
  }).immediate();
}

/** The connection, migrated unless read-only; every failure is a StoreError naming the file. */
export function openConnection(path: string, options: OpenOptions): Database {
  const db = openDatabase(path, options);
  try {
    if (!options.readonly) {
      migrate(db, path);
      // Files from before the storage budget switch to incremental vacuum once.
      ensureIncrementalVacuum(db);
    }
  } catch (error) {
    db.close();
    if (error instanceof StoreError) throw error;
    throw new StoreError(`cannot use database ${path}: ${(error as Error).message}`, { cause: error });
  }
  return db;
}
