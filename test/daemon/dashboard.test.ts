import { describe, expect, test } from "bun:test";
import { isLoopback, lazyDashboard } from "../../src/daemon/dashboard.ts";

describe("the daemon's dashboard", () => {
  test("loopback addresses need no token; every other address does", () => {
    for (const address of ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "::ffff:127.0.0.1"]) expect({ address, loopback: isLoopback(address) }).toEqual({ address, loopback: true });
    for (const address of ["0.0.0.0", "::", "192.168.1.10", "10.0.0.1", "raspberrypi.local", "128.0.0.1"]) expect({ address, loopback: isLoopback(address) }).toEqual({ address, loopback: false });
  });

  test("before the daemon attaches itself, requests get a 503 (JSON on the API) and no page code is loaded", async () => {
    const dashboard = lazyDashboard(undefined);
    const page = await dashboard.fallback(new Request("http://127.0.0.1/"));
    expect(page.status).toBe(503);
    expect(page.headers.get("retry-after")).toBe("1");
    expect(await page.text()).toContain("still starting");
    const api = await dashboard.fallback(new Request("http://127.0.0.1/api/v1/workflows/demo/runs", { method: "POST" }));
    expect(api.status).toBe(503);
    expect(api.headers.get("retry-after")).toBe("1");
    expect(await api.json()).toEqual({ error: "the daemon is still starting; try again in a second" });
  });
});
