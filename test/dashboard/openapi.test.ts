/** docs/openapi.yaml against the real thing: the same paths and methods as the router, and real answers valid under its schemas. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv from "ajv";
import { parse } from "yaml";
import { apiRoutes } from "../../src/dashboard/api.ts";
import type { DashboardHost } from "../../src/dashboard/host.ts";
import { type DashboardDaemon, finished, getJson, startDashboardDaemon } from "./helpers.ts";

const spec = parse(readFileSync(join(import.meta.dir, "../../docs/openapi.yaml"), "utf8")) as {
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, unknown> };
};

let d: DashboardDaemon;
beforeAll(async () => {
  d = await startDashboardDaemon();
}, 60_000);
afterAll(() => d?.cleanup());

function validator(schema: string) {
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  ajv.addSchema({ ...spec, $id: "openapi" });
  return ajv.compile({ $ref: `openapi#/components/schemas/${schema}` });
}

describe("docs/openapi.yaml", () => {
  test("describes exactly the API's routes and methods", () => {
    // Only the patterns are read; no handler runs.
    const routes = apiRoutes({} as DashboardHost).map((route) => `${route.method} ${route.pattern.replace(/:(\w+)/g, "{$1}")}`);
    const documented = Object.entries(spec.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
    expect(documented.sort()).toEqual(routes.sort());
  });

  test("real answers of the daemon are valid under its schemas", async () => {
    const run = await getJson<{ execution_id: string }>(`${d.base}/api/v1/workflows/flaky/runs`, { method: "POST" });
    await finished(d.base, run.body.execution_id);
    const checks: [string, string, (body: never) => unknown][] = [
      ["/api/v1/workflows", "Workflow", (body: { workflows: unknown[] }) => body.workflows],
      ["/api/v1/executions", "Execution", (body: { executions: unknown[] }) => body.executions],
      [`/api/v1/executions/${run.body.execution_id}`, "ExecutionDetail", (body: unknown) => [body]],
    ];
    for (const [path, schema, items] of checks) {
      const validate = validator(schema);
      const { body } = await getJson<never>(`${d.base}${path}`);
      const list = items(body) as unknown[];
      expect(list.length).toBeGreaterThan(0);
      for (const item of list) expect({ path, valid: validate(item), errors: validate.errors ?? null }).toEqual({ path, valid: true, errors: null });
    }
    const error = await getJson<unknown>(`${d.base}/api/v1/executions?limit=x`);
    expect(validator("Error")(error.body)).toBe(true);
  });
});
