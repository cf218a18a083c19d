import { describe, expect, test } from "bun:test";
import { isAuthorized, isSameOrigin, safeNext, sameSecret, sessionValue } from "../../src/dashboard/auth.ts";
import { dagSvg } from "../../src/dashboard/dag-svg.ts";
import { escapeHtml, html, trusted } from "../../src/dashboard/html.ts";
import { Router } from "../../src/dashboard/router.ts";

describe("html", () => {
  test("every interpolated value is escaped; nested html and arrays are kept as markup", () => {
    const evil = `<script>alert(1)</script>"'&`;
    expect(escapeHtml(evil)).toBe("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#x27;&amp;");
    const inner = html`<b>${evil}</b>`;
    expect(html`<p title="${evil}">${inner}${[html`<i>1</i>`, "<u>"]}${undefined}${false}${0}</p>`.value).toBe(
      `<p title="&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#x27;&amp;"><b>&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#x27;&amp;</b><i>1</i>&lt;u&gt;0</p>`,
    );
    expect(html`${trusted("<svg/>")}`.value).toBe("<svg/>");
  });
});

describe("dagSvg", () => {
  test("titles and failure details are escaped; a wide level wraps; a cycle still draws every node", () => {
    const svg = dagSvg([{ name: "a", dependsOn: [] }], { title: `x"><script>alert(1)</script>` });
    expect(svg).not.toContain("<script>");
    expect(svg).toContain("x&quot;&gt;&lt;script&gt;");
    const wide = dagSvg(Array.from({ length: 20 }, (_, index) => ({ name: `t${index}`, dependsOn: [] })), { title: "wide" });
    expect(wide.match(/<g class="node"/g)?.length).toBe(20);
    expect(Number(/viewBox="0 0 (\d+)/.exec(wide)?.[1])).toBeLessThan(1600);
    const cycle = dagSvg([{ name: "a", dependsOn: ["b"] }, { name: "b", dependsOn: ["a"] }], { title: "cycle" });
    expect(cycle.match(/<g class="node"/g)?.length).toBe(2);
  });
});

describe("Router", () => {
  const router = new Router([
    { method: "GET", pattern: "/things/:id", handler: () => new Response("get") },
    { method: "POST", pattern: "/things/:id/run", handler: () => new Response("post") },
  ]);
  test("matches methods and decodes parameters; the wrong method names the right one", () => {
    const found = router.match("GET", "/things/a%20b");
    expect(found.kind === "found" && found.params).toEqual({ id: "a b" });
    expect(router.match("HEAD", "/things/x").kind).toBe("found");
    expect(router.match("GET", "/things/x/run")).toEqual({ kind: "wrong-method", allowed: ["POST"] });
    expect(router.match("GET", "/things/%E0%A4%A")).toEqual({ kind: "none" });
    expect(router.match("GET", "/things/")).toEqual({ kind: "none" });
    expect(router.match("GET", "/other")).toEqual({ kind: "none" });
  });
});

describe("auth", () => {
  const request = (headers: Record<string, string>) => new Request("http://127.0.0.1:9090/", { headers });
  test("a token opens by bearer header or session cookie; the cookie value is not the token", () => {
    expect(isAuthorized(request({}), undefined)).toBe(true);
    expect(isAuthorized(request({}), "t")).toBe(false);
    expect(isAuthorized(request({ authorization: "Bearer t" }), "t")).toBe(true);
    expect(isAuthorized(request({ authorization: "Bearer tt" }), "t")).toBe(false);
    expect(isAuthorized(request({ cookie: `a=1; picoflow_session=${sessionValue("t")}` }), "t")).toBe(true);
    expect(isAuthorized(request({ cookie: "picoflow_session=t" }), "t")).toBe(false);
    expect(sessionValue("t")).toMatch(/^[0-9a-f]{64}$/);
    expect(sameSecret("abc", "abc")).toBe(true);
    expect(sameSecret("abc", "abcd")).toBe(false);
  });

  test("Origin must be the host the request came to; none at all is fine", () => {
    expect(isSameOrigin(request({ host: "pi.local:9090" }))).toBe(true);
    expect(isSameOrigin(request({ host: "pi.local:9090", origin: "http://pi.local:9090" }))).toBe(true);
    expect(isSameOrigin(request({ host: "pi.local:9090", origin: "http://evil.example" }))).toBe(false);
    expect(isSameOrigin(request({ host: "pi.local:9090", origin: "null" }))).toBe(false);
    expect(isSameOrigin(request({ host: "pi.local:9090", origin: "http://pi.local:9091" }))).toBe(false);
  });

  test("after login only paths on this site", () => {
    expect(safeNext("/executions/1")).toBe("/executions/1");
    for (const bad of ["//evil.example", "/\\evil.example", "http://evil.example", "", null]) expect(safeNext(bad)).toBe("/");
  });
});
