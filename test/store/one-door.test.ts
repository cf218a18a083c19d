/**
 * The store is the only door to the database: no SQL and no bun:sqlite anywhere in src/
 * outside src/store/. Other modules ask the Store.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

const SRC = join(import.meta.dir, "../../src");
const STORE = join(SRC, "store");

/** SQL as it is written in a query string; plain words like the HTTP method DELETE do not match. */
const SQL_STATEMENT = [
  /\bSELECT\b[\s\S]{0,200}?\bFROM\b/i,
  /\bINSERT\s+(?:OR\s+\w+\s+)?INTO\b/i,
  /\bUPDATE\s+\w+\s+SET\b/i,
  /\bDELETE\s+FROM\b/i,
  /\bPRAGMA\s+\w+/i,
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|js|sql)$/.test(entry.name) ? [path] : [];
  });
}

const outsideStore = sourceFiles(SRC).filter((path) => !path.startsWith(`${STORE}/`));

describe("the store is the only door to the database", () => {
  test("the check sees the source tree and would catch SQL", () => {
    expect(outsideStore.length).toBeGreaterThan(20);
    expect(outsideStore.some((path) => path.endsWith("daemon/daemon.ts"))).toBe(true);
    const inStore = readFileSync(join(STORE, "history-queries.ts"), "utf8");
    expect(SQL_STATEMENT.some((pattern) => pattern.test(inStore))).toBe(true);
    expect(SQL_STATEMENT.some((pattern) => pattern.test('db.query("update workflow_executions set status = ?")'))).toBe(true);
  });

  test("no SQL keyword (SELECT, INSERT, UPDATE, DELETE, PRAGMA) in src/ outside src/store/", () => {
    const offenders = outsideStore.flatMap((path) => {
      const text = readFileSync(path, "utf8");
      return SQL_STATEMENT.filter((pattern) => pattern.test(text)).map((pattern) => `${relative(SRC, path)}: ${text.match(pattern)?.[0]}`);
    });
    expect(offenders).toEqual([]);
  });

  test("nothing outside src/store/ imports bun:sqlite", () => {
    const offenders = outsideStore.filter((path) => /from\s+["']bun:sqlite["']|import\(\s*["']bun:sqlite["']\s*\)|require\(\s*["']bun:sqlite["']\s*\)/.test(readFileSync(path, "utf8")));
    expect(offenders.map((path) => relative(SRC, path))).toEqual([]);
  });
});
