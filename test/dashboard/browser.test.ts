/**
 * The dashboard in a real headless Chromium (Debian's /usr/bin/chromium driven by
 * playwright-core; no browser is downloaded) against a real daemon.
 * PICOFLOW_SCREENSHOTS_DIR=docs/screenshots also saves the README's screenshots.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { runCli } from "../helpers/cli.ts";
import { type DashboardDaemon, finished, getJson, startDashboardDaemon } from "./helpers.ts";

// Only inside page.evaluate callbacks, which run in the browser (the project's types have no DOM).
declare const document: { getElementById(id: string): { textContent: string | null } | null; documentElement: { scrollWidth: number } };
declare const window: { innerWidth: number } & Record<string, unknown>;

const CHROMIUM = "/usr/bin/chromium";
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
const screenshots = process.env.PICOFLOW_SCREENSHOTS_DIR;

let d: DashboardDaemon;
let browser: Browser;
beforeAll(async () => {
  d = await startDashboardDaemon();
  // Root (CI containers) cannot use Chromium's sandbox.
  browser = await chromium.launch({ executablePath: CHROMIUM, args: process.getuid?.() === 0 ? ["--no-sandbox"] : [] });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await d?.cleanup();
});

/** A fresh page that records every dialog (alert, confirm) a script might open. */
async function openPage(options: Parameters<Browser["newContext"]>[0] = {}): Promise<{ page: Page; context: BrowserContext; dialogs: string[] }> {
  const context = await browser.newContext({ viewport: DESKTOP, ...options });
  const page = await context.newPage();
  const dialogs: string[] = [];
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  return { page, context, dialogs };
}

async function nodeStates(page: Page): Promise<Record<string, string | null>> {
  return page.$$eval("svg.dag g.node", (nodes) => Object.fromEntries(nodes.map((node) => [node.getAttribute("data-task"), node.getAttribute("data-state")])));
}

describe("the dashboard in a browser", () => {
  test("the overview lists every loaded workflow; run now starts a run that shows in the list and in history", async () => {
    const { page, context } = await openPage();
    try {
      await page.goto(`${d.base}/`);
      expect(await page.$$eval("tr[data-workflow]", (rows) => rows.map((row) => row.getAttribute("data-workflow")))).toEqual(["demo", "flaky", "slow", "nightly"]);
      expect(await page.textContent("tr[data-workflow=demo] td:nth-child(4)")).toContain("never ran");
      expect(await page.textContent("tr[data-workflow=nightly] td:nth-child(2)")).toBe("0 30 2 * * * Europe/Berlin");
      expect(await page.getAttribute("tr[data-workflow=nightly] td:nth-child(3) time", "datetime")).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:30:00\.000Z$/);

      await page.click("tr[data-workflow=demo] button:has-text('Run now')");
      await page.waitForURL(/\/executions\/[0-9a-f-]{36}$/);
      const id = page.url().split("/").pop() as string;
      await finished(d.base, id);

      await page.goto(`${d.base}/`);
      expect(await page.getAttribute("tr[data-workflow=demo] td:nth-child(4) a", "href")).toBe(`/executions/${id}`);
      expect(await page.textContent("tr[data-workflow=demo] td:nth-child(4)")).toContain("Success");
      await page.goto(`${d.base}/workflows/demo`);
      expect(await page.$$eval("tr[data-execution]", (rows) => rows.map((row) => row.getAttribute("data-execution")))).toContain(id);
      const history = await runCli(["--db-path", d.db, "history", "demo", "--format", "json"], { cwd: d.dir });
      expect(JSON.parse(history.stdout).executions.map((row: { id: string }) => row.id)).toContain(id);
    } finally {
      await context.close();
    }
  });

  test("clicking into an execution shows one SVG node per task with its state and each task's output; resume re-runs what failed", async () => {
    const run = await getJson<{ execution_id: string }>(`${d.base}/api/v1/workflows/flaky/runs`, { method: "POST" });
    await finished(d.base, run.body.execution_id);
    const { page, context } = await openPage();
    try {
      await page.goto(`${d.base}/workflows/flaky`);
      await page.click(`tr[data-execution="${run.body.execution_id}"] a`);
      await page.waitForURL(`${d.base}/executions/${run.body.execution_id}`);
      expect(await nodeStates(page)).toEqual({ first: "succeeded", check: "failed" });
      expect(await page.textContent("#execution-status")).toBe("Failed");
      expect(await page.textContent("#task-first pre.stdout")).toBe("one\n");
      expect(await page.textContent("#task-check pre.stderr")).toBe("not yet\n");
      expect(await page.textContent('tr[data-task="check"][data-attempt="1"]')).toContain("exit code 3");

      d.touch("fixed");
      await page.click("button:has-text('Resume')");
      await page.waitForFunction(() => document.getElementById("execution-status")?.textContent === "Success", undefined, { timeout: 20_000 });
      expect(page.url()).toBe(`${d.base}/executions/${run.body.execution_id}`);
      expect(await nodeStates(page)).toEqual({ first: "succeeded", check: "succeeded" });
      expect(await page.$$eval('tr[data-task="check"]', (rows) => rows.map((row) => row.getAttribute("data-attempt")))).toEqual(["2", "1"]);
      expect(await page.isVisible("button:has-text('Resume')")).toBe(false);
    } finally {
      await context.close();
    }
  });

  test("markup a task printed is shown as text: no dialog opens, no element is made from it", async () => {
    const run = await getJson<{ execution_id: string }>(`${d.base}/api/v1/workflows/demo/runs`, { method: "POST" });
    await finished(d.base, run.body.execution_id);
    const { page, context, dialogs } = await openPage();
    try {
      await page.goto(`${d.base}/executions/${run.body.execution_id}`);
      expect(await page.textContent("#task-build pre.stdout")).toBe("<script>alert(1)</script>\n");
      expect(await page.textContent("#task-build pre.stderr")).toBe("<img src=x onerror=alert(1)>\n");
      expect(await page.$$eval("main img, main script", (elements) => elements.length)).toBe(0);
      await page.click("#task-build a:has-text('Full log')");
      await page.waitForURL(/\/tasks\/build\/log$/);
      const log = (await page.textContent("#log")) ?? "";
      expect(log).toContain("<script>alert(1)</script>");
      expect(log).toContain("<img src=x onerror=alert(1)>");
      expect(await page.$$eval("main img, main script", (elements) => elements.length)).toBe(0);
      await page.goto(`${d.base}/workflows/demo`);
      expect(await page.textContent("main p")).toBe("Fetch <b>things</b> & report");
      expect(dialogs).toEqual([]);
    } finally {
      await context.close();
    }
  });

  test("a running execution's page and a running task's log update without a reload", async () => {
    const run = await getJson<{ execution_id: string }>(`${d.base}/api/v1/workflows/slow/runs`, { method: "POST" });
    const id = run.body.execution_id;
    const { page, context } = await openPage();
    const log = await context.newPage();
    try {
      await page.goto(`${d.base}/executions/${id}`);
      await page.waitForSelector('svg.dag g.node[data-task="wait"][data-state="running"]');
      await log.goto(`${d.base}/executions/${id}/tasks/wait/log`);
      // The output line: the logged command line says "echo waiting" too.
      await log.waitForFunction(() => document.getElementById("log")?.textContent?.includes("\nwaiting\n"), undefined, { timeout: 20_000 });
      // A reload would lose this mark.
      await page.evaluate(() => Object.assign(window, { picoflowMark: "still here" }));
      await log.evaluate(() => Object.assign(window, { picoflowMark: "still here" }));
      d.touch("go");
      await page.waitForSelector('svg.dag g.node[data-task="after"][data-state="succeeded"]', { timeout: 20_000 });
      await page.waitForFunction(() => document.getElementById("execution-status")?.textContent === "Success", undefined, { timeout: 20_000 });
      expect(await nodeStates(page)).toEqual({ wait: "succeeded", after: "succeeded" });
      expect(await page.textContent("#task-after pre.stdout")).toBe("after\n");
      expect(await page.evaluate(() => window.picoflowMark)).toBe("still here");
      // "\nreleased\n" is the output line; the command line PicoFlow logs first also says "released".
      await log.waitForFunction(() => document.getElementById("log")?.textContent?.includes("\nreleased\n"), undefined, { timeout: 20_000 });
      expect(await log.textContent("#log")).toContain("running: /bin/sh -c");
      expect(await log.textContent("#log")).toContain("waiting\nreleased\n");
      expect(await log.evaluate(() => window.picoflowMark)).toBe("still here");
    } finally {
      await context.close();
    }
  });

  test("readable with JavaScript off and at phone width (no page-wide horizontal scrolling)", async () => {
    const latest = await getJson<{ executions: { id: string }[] }>(`${d.base}/api/v1/executions?workflow=demo&limit=1`);
    const id = latest.body.executions[0]?.id as string;
    const { page, context } = await openPage({ javaScriptEnabled: false, viewport: PHONE });
    try {
      for (const path of ["/", `/executions/${id}`, "/workflows/demo"]) {
        await page.goto(`${d.base}${path}`);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect({ path, overflow }).toEqual({ path, overflow: 0 });
      }
      await page.goto(`${d.base}/executions/${id}`);
      expect(await nodeStates(page)).toEqual({ prepare: "succeeded", build: "succeeded", report: "succeeded" });
      expect(await page.textContent("#task-prepare pre.stdout")).toBe("hello from prepare\n");
    } finally {
      await context.close();
    }
  });

  test.if(Boolean(screenshots))("screenshots for the README: overview and an execution, phone and desktop", async () => {
    // A failed run shows more than a green one.
    rmSync(join(d.dir, "fixed"), { force: true });
    const run = await getJson<{ execution_id: string }>(`${d.base}/api/v1/workflows/flaky/runs`, { method: "POST" });
    const id = run.body.execution_id;
    await finished(d.base, id);
    for (const [name, viewport] of [["desktop", DESKTOP], ["phone", PHONE]] as const) {
      const { page, context } = await openPage({ viewport, deviceScaleFactor: name === "phone" ? 2 : 1 });
      try {
        await page.goto(`${d.base}/`);
        await page.screenshot({ path: join(screenshots as string, `overview-${name}.png`), fullPage: name === "phone" });
        await page.goto(`${d.base}/executions/${id}`);
        await page.screenshot({ path: join(screenshots as string, `execution-${name}.png`), fullPage: name === "phone" });
      } finally {
        await context.close();
      }
    }
  });
});

describe("the dashboard in a browser, with a token", () => {
  let locked: DashboardDaemon;
  beforeAll(async () => {
    locked = await startDashboardDaemon({ PICOFLOW_DASHBOARD_TOKEN: "browser-token" });
  }, 60_000);
  afterAll(() => locked?.cleanup());

  test("pages and the API refuse without the token; the login form opens both", async () => {
    const { page, context } = await openPage();
    try {
      const api = await page.goto(`${locked.base}/api/v1/workflows`);
      expect(api?.status()).toBe(401);
      const overview = await page.goto(`${locked.base}/`);
      expect(overview?.status()).toBe(401);
      expect(await page.$$("tr[data-workflow]")).toHaveLength(0);
      await page.fill("input[name=token]", "wrong");
      await page.click("button:has-text('Log in')");
      expect(await page.textContent("[role=alert]")).toBe("That token is not right.");
      await page.fill("input[name=token]", "browser-token");
      await page.click("button:has-text('Log in')");
      await page.waitForSelector("tr[data-workflow=demo]");
      const cookies = await context.cookies();
      expect(cookies.map(({ name, httpOnly, sameSite }) => ({ name, httpOnly, sameSite }))).toEqual([{ name: "picoflow_session", httpOnly: true, sameSite: "Strict" }]);
      const after = await page.goto(`${locked.base}/api/v1/workflows`);
      expect(after?.status()).toBe(200);
    } finally {
      await context.close();
    }
  });
});
