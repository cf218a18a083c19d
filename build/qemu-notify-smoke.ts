/**
 * Part of build/qemu-smoke.sh: the arm64 daemon under qemu talks to systemd's notify socket
 * (bun:ffi sendto through the arm64 libc). A real AF_UNIX datagram socket stands in for
 * systemd; READY=1, WATCHDOG=1 and, after SIGTERM, STOPPING=1 must arrive.
 *   bun build/qemu-notify-smoke.ts BINARY
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { bindNotifyReceiver, type NotifyMessage } from "../test/helpers/notify-receiver.ts";

const SYSROOT = "/usr/aarch64-linux-gnu";
/** qemu is slow to start a 100 MB binary: generous. */
const TIMEOUT_MS = 90_000;

const binary = resolve(process.argv[2] ?? "dist/picoflow-linux-arm64");
const dir = mkdtempSync(join(tmpdir(), "picoflow-qemu-notify-"));
const receiver = bindNotifyReceiver(join(dir, "notify.sock"));
writeFileSync(join(dir, "nightly.yaml"), 'name: nightly\nschedule: "0 0 3 * * *"\ntasks:\n  - name: t\n    type: shell\n    config:\n      command: /bin/true\n');
const daemon = Bun.spawn(["qemu-aarch64", "-L", SYSROOT, binary, "--db-path", join(dir, "picoflow.db"), "daemon", "start", "--foreground", join(dir, "nightly.yaml")], {
  cwd: dir,
  env: { ...process.env, NOTIFY_SOCKET: receiver.address, WATCHDOG_USEC: "2000000", PICOFLOW_METRICS_PORT: "0", PICOFLOW_LOG_FORMAT: "json" },
  stdin: "ignore",
  stdout: "ignore",
  stderr: "pipe",
});
const has = (key: string) => (message: NotifyMessage) => message.fields[key] === "1";
try {
  const ready = await receiver.waitFor(has("READY"), TIMEOUT_MS);
  console.log(`ok: READY=1 from the arm64 daemon (STATUS=${ready.fields.STATUS})`);
  await receiver.waitFor(has("WATCHDOG"), TIMEOUT_MS);
  console.log("ok: WATCHDOG=1");
  daemon.kill("SIGTERM");
  await receiver.waitFor(has("STOPPING"), TIMEOUT_MS);
  console.log("ok: STOPPING=1 on SIGTERM");
  const code = await daemon.exited;
  if (code !== 0) throw new Error(`the daemon exited with ${code}`);
} catch (error) {
  daemon.kill("SIGKILL");
  console.error(`qemu-notify-smoke: FAILED: ${(error as Error).message}\n${await new Response(daemon.stderr).text()}`);
  process.exitCode = 1;
} finally {
  receiver.close();
  rmSync(dir, { recursive: true, force: true });
}
