/**
 * The dashboard's front door on the metrics listener: same-origin rule, token, static assets,
 * login, then the pages and the API. Loaded on the first request only, so an idle daemon
 * nobody looks at never pays for it.
 */
import script from "./assets/dashboard.js" with { type: "text" };
import style from "./assets/dashboard.css" with { type: "text" };
import { apiRoutes } from "./api.ts";
import { isAuthorized, isSameOrigin, safeNext, sameSecret, sessionCookie } from "./auth.ts";
import type { DashboardHost } from "./host.ts";
import { messagePage, pageRoutes } from "./page-routes.ts";
import { ASSET_CSS, ASSET_JS } from "./pages/layout.ts";
import { renderLogin } from "./pages/messages.ts";
import { htmlResponse, isApiPath, jsonError, seeOther, withSecurityHeaders } from "./responses.ts";
import { Router } from "./router.ts";

export interface DashboardOptions {
  /** When set, every page and API call needs it. */
  token: string | undefined;
}

export type DashboardHandler = (request: Request) => Promise<Response>;

const ASSETS: Record<string, { body: string; type: string }> = {
  [ASSET_JS]: { body: script, type: "text/javascript; charset=utf-8" },
  [ASSET_CSS]: { body: style, type: "text/css; charset=utf-8" },
};

const LOGIN_BODY_MAX_BYTES = 8 * 1024;

async function login(request: Request, token: string | undefined): Promise<Response> {
  const url = new URL(request.url);
  if (request.method === "GET" || request.method === "HEAD") return htmlResponse(renderLogin(safeNext(url.searchParams.get("next")), false));
  let given = "";
  let next = "/";
  // A login form is a few hundred bytes; nothing bigger is read into memory.
  if (Number(request.headers.get("content-length") ?? LOGIN_BODY_MAX_BYTES + 1) > LOGIN_BODY_MAX_BYTES) return htmlResponse(renderLogin(next, true), 413);
  try {
    const form = await request.formData();
    given = String(form.get("token") ?? "");
    next = safeNext(String(form.get("next") ?? "/"));
  } catch {
    // Not a form: treated as a wrong token.
  }
  if (token === undefined) return seeOther(next);
  if (!sameSecret(given, token)) return htmlResponse(renderLogin(next, true), 401);
  return seeOther(next, { "set-cookie": sessionCookie(token) });
}

export function createDashboard(host: DashboardHost, options: DashboardOptions): DashboardHandler {
  const router = new Router([...apiRoutes(host), ...pageRoutes(host)]);
  const { token } = options;

  async function respond(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const api = isApiPath(url.pathname);
    if (!isSameOrigin(request)) {
      const message = "refused: this request comes from another site (its Origin header names another origin)";
      return api ? jsonError(403, message) : messagePage(403, message);
    }
    const asset = ASSETS[url.pathname];
    if (asset && (request.method === "GET" || request.method === "HEAD")) {
      return new Response(asset.body, { headers: { "content-type": asset.type, "cache-control": "max-age=300" } });
    }
    // Browsers ask for it on every first visit; there is none, and a 404 would clutter their console.
    if (url.pathname === "/favicon.ico") return new Response(null, { status: 204, headers: { "cache-control": "max-age=86400" } });
    if (url.pathname === "/login" && ["GET", "HEAD", "POST"].includes(request.method)) return login(request, token);
    if (!isAuthorized(request, token)) {
      if (api) return jsonError(401, "this API needs the dashboard token: send Authorization: Bearer TOKEN", { "www-authenticate": 'Bearer realm="picoflow"' });
      return htmlResponse(renderLogin(safeNext(url.pathname + url.search), false), 401);
    }
    const match = router.match(request.method, url.pathname);
    switch (match.kind) {
      case "found":
        return match.handler(request, match.params, url);
      case "wrong-method": {
        const message = `${request.method} is not allowed here; use ${match.allowed.join(" or ")}`;
        const headers = { allow: match.allowed.join(", ") };
        if (api) return jsonError(405, message, headers);
        const response = messagePage(405, message);
        response.headers.set("allow", headers.allow);
        return response;
      }
      case "none":
        return api ? jsonError(404, `no such API path: ${url.pathname}`) : messagePage(404, `nothing at ${url.pathname}`);
    }
  }

  return async (request) => {
    let response: Response;
    try {
      response = await respond(request);
    } catch (error) {
      const message = `internal error: ${(error as Error)?.message ?? String(error)}`;
      response = isApiPath(new URL(request.url).pathname) ? jsonError(500, message) : messagePage(500, message);
    }
    return withSecurityHeaders(response);
  };
}
