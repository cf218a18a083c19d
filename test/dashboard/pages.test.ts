import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type DashboardDaemon, finished, getJson, startDashboardDaemon } from "./helpers.ts";

/** The board's files, written for real where [system] points (picoflow.toml is read from the workflows' folder). */
function boardToml(dir: string): string {
  mkdirSync(join(dir, "board", "zone0"), { recursive: true });
  mkdirSync(join(dir, "board", "zone1"), { recursive: true });
  writeFileSync(join(dir, "board", "zone0", "temp"), "48100\n");
  writeFileSync(join(dir, "board", "zone1", "temp"), "52300\n");
  writeFileSync(join(dir, "board", "throttled"), "50005\n");
  writeFileSync(join(dir, "board", "meminfo"), "MemTotal: 1000000 kB\nMemAvailable: 524288 kB\n");
  return `[system]\nthermal_glob = "board/zone*/temp"\nthrottled = "board/throttled"\nmeminfo = "board/meminfo"\n`;
}

let d: DashboardDaemon;
beforeAll(async () => {
  d = await startDashboardDaemon({}, boardToml);
}, 60_000);
afterAll(() => d?.cleanup());

const page = async (path: string, init?: RequestInit) => {
  const response = await fetch(`${d.base}${path}`, init);
  return { status: response.status, text: await response.text(), headers: response.headers };
};

describe("the overview", () => {
  test("the daemon's facts and the board's readings: hottest zone, throttling now and since boot, free memory and disk", async () => {
    const { status, text } = await page("/");
    expect(status).toBe(200);
    const fact = (name: string) => new RegExp(`data-fact="${name}"><dt>[^<]+</dt><dd>([^<]*)</dd>`).exec(text)?.[1];
    expect(fact("uptime")).toMatch(/^\d/);
    expect(fact("memory")).toMatch(/^\d+\.\d MB$/);
    expect(fact("temperature")).toBe("52.3 °C");
    expect(fact("throttling")).toBe("now: under voltage, throttled");
    expect(fact("free-memory")).toBe("512 MB");
    expect(fact("free-disk")).toMatch(/^\d+\.\d GB$/);
  });
});

describe("pages", () => {
  test("an unknown workflow, execution or task is a 404 page; a GET on a button's address is a 405", async () => {
    expect((await page("/workflows/nope")).status).toBe(404);
    expect((await page("/workflows/nope")).text).toContain("no workflow &#x27;nope&#x27; is loaded in this daemon");
    expect((await page("/executions/ffffffff")).status).toBe(404);
    expect((await page("/no/such/page")).status).toBe(404);
    const run = await page("/workflows/demo/run");
    expect(run.status).toBe(405);
    expect(run.headers.get("allow")).toBe("POST");
  });

  test("run now from a form: 303 to the new execution's page; a second one while it runs says why not (409)", async () => {
    const first = await fetch(`${d.base}/workflows/slow/run`, { method: "POST", redirect: "manual" });
    expect(first.status).toBe(303);
    const location = first.headers.get("location") ?? "";
    expect(location).toMatch(/^\/executions\/[0-9a-f-]{36}$/);
    const second = await page("/workflows/slow/run", { method: "POST", redirect: "manual" });
    expect(second.status).toBe(409);
    expect(second.text).toContain("is already running");
    const running = await page(location);
    expect(running.text).toContain(`data-events="${location}/events"`);
    d.touch("go");
    const done = await finished(d.base, location.split("/").pop() as string);
    expect(done.status).toBe("Success");
    expect((await page(location)).text).not.toContain("data-events");
  });

  test("a task's log page holds the whole file, escaped", async () => {
    const run = await getJson<{ execution_id: string }>(`${d.base}/api/v1/workflows/demo/runs`, { method: "POST" });
    await finished(d.base, run.body.execution_id);
    const { status, text } = await page(`/executions/${run.body.execution_id}/tasks/build/log`);
    expect(status).toBe(200);
    expect(text).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(text).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(text).not.toContain("<img");
    expect(text).not.toContain("data-follow");
  });
});
