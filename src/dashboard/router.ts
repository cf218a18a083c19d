/**
 * A small router: each route is a method and a path pattern with `:name` segments. A path
 * that matches with another method is a 405 naming the allowed ones, so a GET can never
 * change state by reaching a POST handler.
 */
export type Params = Readonly<Record<string, string>>;
export type Handler = (request: Request, params: Params, url: URL) => Response | Promise<Response>;

export interface Route {
  method: "GET" | "POST";
  pattern: string;
  handler: Handler;
}

export type Match = { kind: "found"; handler: Handler; params: Params } | { kind: "wrong-method"; allowed: string[] } | { kind: "none" };

/** Splits a pattern once; matching a request is then a walk over its segments. */
interface Compiled extends Route {
  segments: string[];
}

export class Router {
  readonly #routes: Compiled[];

  constructor(routes: readonly Route[]) {
    this.#routes = routes.map((route) => ({ ...route, segments: route.pattern.split("/").slice(1) }));
  }

  match(method: string, pathname: string): Match {
    const segments = pathname.split("/").slice(1);
    const allowed: string[] = [];
    for (const route of this.#routes) {
      const params = matchSegments(route.segments, segments);
      if (!params) continue;
      // HEAD is a GET without the body (Bun.serve drops it).
      if (route.method === method || (method === "HEAD" && route.method === "GET")) return { kind: "found", handler: route.handler, params };
      allowed.push(route.method);
    }
    return allowed.length > 0 ? { kind: "wrong-method", allowed } : { kind: "none" };
  }
}

function matchSegments(pattern: readonly string[], path: readonly string[]): Params | undefined {
  if (pattern.length !== path.length) return undefined;
  const params: Record<string, string> = {};
  for (let index = 0; index < pattern.length; index++) {
    const expected = pattern[index] as string;
    const actual = path[index] as string;
    if (expected.startsWith(":")) {
      if (actual === "") return undefined;
      try {
        params[expected.slice(1)] = decodeURIComponent(actual);
      } catch {
        return undefined;
      }
    } else if (expected !== actual) {
      return undefined;
    }
  }
  return params;
}
