import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DASHBOARD_TOKEN_VARIABLE } from "../../src/daemon/dashboard.ts";
import { LOG_FILE_ENV } from "../../src/daemon/detach.ts";
import { ADDED_ENV } from "../../src/daemon/engine-settings.ts";
import { SERVICE_MANAGER_VARIABLES } from "../../src/daemon/service-manager.ts";
import { PASSPHRASE_VARIABLE } from "../../src/executors/ssh-keys.ts";
import { CONTROL_VARIABLES, withoutControlVariables } from "../../src/util/control-variables.ts";
import { runCli, tempDir } from "../helpers/cli.ts";

describe("PicoFlow's control variables", () => {
  test("every owner's variable is on the one list", () => {
    for (const name of [...SERVICE_MANAGER_VARIABLES, DASHBOARD_TOKEN_VARIABLE, PASSPHRASE_VARIABLE, LOG_FILE_ENV, ADDED_ENV]) {
      expect(CONTROL_VARIABLES).toContain(name);
    }
  });

  test("withoutControlVariables drops them, keeps the rest and leaves its input alone", () => {
    const env = { PATH: "/usr/bin", NOTIFY_SOCKET: "/run/notify", PICOFLOW_DASHBOARD_TOKEN: "t", PICOFLOW_DB_PATH: "x.db" };
    expect(withoutControlVariables(env)).toEqual({ PATH: "/usr/bin", PICOFLOW_DB_PATH: "x.db" });
    expect(env.NOTIFY_SOCKET).toBe("/run/notify");
  });

  test("a task started by `picoflow run` inherits none of them, unless its own env sets one", async () => {
    const folder = tempDir();
    try {
      const dump = join(folder.dir, "env.txt");
      const own = join(folder.dir, "own.txt");
      const file = folder.write(
        "envdump.yaml",
        `name: envdump
tasks:
  - name: inherited
    type: shell
    config: {command: sh, args: ["-c", "env > ${dump}"]}
  - name: own
    type: shell
    config:
      command: sh
      args: ["-c", "env > ${own}"]
      env: {NOTIFY_SOCKET: chosen-by-the-task}
`,
      );
      const secrets = Object.fromEntries(CONTROL_VARIABLES.map((name) => [name, `secret-of-${name}`]));
      const db = join(folder.dir, "picoflow.db");
      const result = await runCli(["run", file], { cwd: folder.dir, env: { ...secrets, PICOFLOW_DB_PATH: db, PICOFLOW_TEST_MARKER: "inherited" } });
      expect(result.exitCode).toBe(0);
      const inherited = readFileSync(dump, "utf8");
      expect(inherited).toContain("PICOFLOW_TEST_MARKER=inherited");
      expect(inherited).toContain(`PICOFLOW_DB_PATH=${db}`);
      expect(inherited).toContain("PICOFLOW_EXECUTION_ID=");
      expect(inherited).toContain("PICOFLOW_TASK=inherited");
      for (const name of CONTROL_VARIABLES) expect(inherited).not.toContain(`${name}=`);
      expect(inherited).not.toContain("secret-of-");
      const chosen = readFileSync(own, "utf8");
      expect(chosen).toContain("NOTIFY_SOCKET=chosen-by-the-task");
      expect(chosen).not.toContain("secret-of-");
    } finally {
      folder.cleanup();
    }
  });
});
