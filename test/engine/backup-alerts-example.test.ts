/** examples/backup-alerts.yaml as shipped, its webhook pointed at a loopback Bun.serve server. */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { runCli, tempDir } from "../helpers/cli.ts";

setDefaultTimeout(60_000);

const EXAMPLE = resolve(import.meta.dir, "../../examples/backup-alerts.yaml");
const posted: unknown[] = [];
let server: ReturnType<typeof Bun.serve>;
const folder = tempDir("picoflow-backup-alerts-");

beforeAll(() => {
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      posted.push(await request.json());
      return Response.json({ id: "abc" });
    },
  });
});
afterAll(() => {
  server.stop(true);
  folder.cleanup();
});

/** The example with only its webhook address changed. */
async function runExample(backupDir: string) {
  const yaml = readFileSync(EXAMPLE, "utf8").replace("https://ntfy.sh/", `http://127.0.0.1:${server.port}/`);
  const file = folder.write(`backup-alerts-${crypto.randomUUID()}.yaml`, yaml);
  return runCli(["run", file, "--db-path", join(folder.dir, "picoflow.db")], { cwd: folder.dir, env: { BACKUP_DIR: backupDir } });
}

test("no archive: find_latest fails, verify_archive is skipped and the notice names the failed task", async () => {
  posted.length = 0;
  const empty = tempDir("picoflow-backup-alerts-empty-");
  try {
    const result = await runExample(empty.dir);
    expect(result.exitCode).toBe(1);
    expect(posted).toHaveLength(1);
    const notice = posted[0] as { topic: string; title: string; message: string; priority: number };
    expect(notice).toMatchObject({ topic: "backups", title: "backup-alerts: Failed", priority: 4, tags: ["warning"] });
    expect(notice.message).toStartWith("Failed: find_latest after ");
    expect(notice.message).toContain(join(folder.dir, "logs", "backup-alerts"));
  } finally {
    empty.cleanup();
  }
});

test("a good archive: the output path reaches tar, and no notice is sent", async () => {
  posted.length = 0;
  const backups = tempDir("picoflow-backup-alerts-ok-");
  try {
    backups.write("data.txt", "precious");
    const tar = Bun.spawnSync(["tar", "-czf", join(backups.dir, "nightly 2025.tar.gz"), "-C", backups.dir, "data.txt"]);
    expect(tar.exitCode).toBe(0);
    const result = await runExample(backups.dir);
    expect(result.stdout).toContain("Task 'verify_archive' completed successfully");
    expect(result.exitCode).toBe(0);
    expect(posted).toEqual([]);
  } finally {
    backups.cleanup();
  }
});
