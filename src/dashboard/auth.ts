/**
 * Who may use the dashboard: with a token configured, a request needs `Authorization: Bearer
 * TOKEN` or the session cookie the login form sets. Also the cross-site rule: a request whose
 * Origin header names another origin is refused, whatever it carries.
 */
import { createHash, timingSafeEqual } from "node:crypto";

export const SESSION_COOKIE = "picoflow_session";
/** A week; the cookie is only a derived value of the token, so changing the token logs everyone out. */
const SESSION_MAX_AGE_SECONDS = 7 * 24 * 60 * 60;

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/** Constant-time: both sides are hashed to the same length first, so neither length nor content leaks. */
export function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** The cookie value for a token: never the token itself. */
export function sessionValue(token: string): string {
  return createHash("sha256").update(`picoflow-dashboard-session\0${token}`).digest("hex");
}

export function sessionCookie(token: string): string {
  return `${SESSION_COOKIE}=${sessionValue(token)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_MAX_AGE_SECONDS}`;
}

function cookieOf(request: Request, name: string): string | undefined {
  for (const part of (request.headers.get("cookie") ?? "").split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return rest.join("=");
  }
  return undefined;
}

/** True when no token is configured, or the request carries it (bearer header or session cookie). */
export function isAuthorized(request: Request, token: string | undefined): boolean {
  if (token === undefined) return true;
  const header = request.headers.get("authorization");
  if (header !== null) {
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    return match !== null && sameSecret(match[1] as string, token);
  }
  const cookie = cookieOf(request, SESSION_COOKIE);
  return cookie !== undefined && sameSecret(cookie, sessionValue(token));
}

/**
 * False when the Origin header names another origin than the one the request was sent to
 * (a page elsewhere posting a form here). No Origin at all is an API client or a plain GET: allowed.
 */
export function isSameOrigin(request: Request): boolean {
  const origin = request.headers.get("origin");
  if (origin === null) return true;
  const host = request.headers.get("host");
  if (host === null) return false;
  return origin === `http://${host}` || origin === `https://${host}`;
}

/** A path inside this site to go back to after logging in; anything else goes to the overview. */
export function safeNext(next: string | null | undefined): string {
  return next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : "/";
}
