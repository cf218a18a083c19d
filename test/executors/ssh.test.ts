/** The SSH executor against a real OpenSSH server on 127.0.0.1, through the real log-file output. */
import { afterAll, afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createSshExecutor, type SshExecutor } from "../../src/executors/ssh.ts";
import type { SshTask } from "../../src/workflow/model.ts";
import { runAttempt, taskBase } from "../helpers/attempt.ts";
import { makeKey, pgrep, run, type Sshd, startSshd } from "../helpers/sshd.ts";
import { waitFor } from "../helpers/wait-for.ts";

// Real servers and processes on a shared 2-core machine: generous bounds, no tight timing.
setDefaultTimeout(60_000);

let sshd: Sshd;
const executors: SshExecutor[] = [];

const trustServer = () => writeFileSync(sshd.knownHostsPath, `${sshd.knownHostsLine()}\n`);

beforeAll(async () => {
  sshd = await startSshd();
  trustServer();
});
afterEach(async () => {
  await Promise.all(executors.splice(0).map((executor) => executor.dispose()));
  trustServer();
});
afterAll(async () => {
  await sshd.stop();
});

function sshTask(overrides: Partial<SshTask> = {}): SshTask {
  return {
    type: "ssh",
    ...taskBase("remote"),
    host: "127.0.0.1",
    port: sshd.port,
    user: sshd.user,
    command: "echo hello",
    keyPath: undefined,
    connectTimeoutMs: 20_000,
    ...overrides,
  };
}

function executor(): SshExecutor {
  const created = createSshExecutor();
  executors.push(created);
  return created;
}

/** One attempt through the real log-file output, HOME pointing at the fixture's home. */
function attempt(task: SshTask, options: { env?: Record<string, string>; signal?: AbortSignal; using?: SshExecutor } = {}) {
  return runAttempt(options.using ?? executor(), task, sshd.dir, { env: { HOME: sshd.home, ...options.env }, ...(options.signal ? { signal: options.signal } : {}) });
}

const acceptedLogins = () => sshd.count("Accepted publickey");

describe("commands", () => {
  test("streams stdout and stderr separately and reports success", async () => {
    const result = await attempt(sshTask({ command: "echo out; echo err >&2" }));
    expect(result.outcome).toEqual({ ok: true, exitCode: 0 });
    expect(result.stdoutTail).toBe("out\n");
    expect(result.stderrTail).toBe("err\n");
    expect(result.log).toContain(`ssh ${sshd.user}@127.0.0.1:${sshd.port}`);
  });

  test("a non-zero remote exit status fails the task with that exit code", async () => {
    const result = await attempt(sshTask({ command: "echo partial; exit 3" }));
    expect(result.outcome).toEqual({ ok: false, kind: "exit-code", message: "exit code 3", exitCode: 3 });
    expect(result.stdoutTail).toBe("partial\n");
  });

  test("the remote command reads end-of-file on stdin instead of waiting for input", async () => {
    const result = await attempt(sshTask({ command: "cat; echo after-cat" }));
    expect(result.outcome.ok).toBe(true);
    expect(result.stdoutTail).toBe("after-cat\n");
  });

  test("a command killed by a signal is reported as such", async () => {
    const result = await attempt(sshTask({ command: "kill -KILL $$" }));
    expect(result.outcome).toMatchObject({ ok: false, kind: "signal", message: "remote command killed by SIGKILL" });
  });
});

describe("host keys", () => {
  test("an unknown host is refused with the exact ssh-keyscan command, which fixes it", async () => {
    writeFileSync(sshd.knownHostsPath, "");
    const refused = await attempt(sshTask());
    expect(refused.outcome).toMatchObject({ ok: false, kind: "host-key" });
    const message = refused.outcome.ok ? "" : refused.outcome.message;
    const command = `ssh-keyscan -p ${sshd.port} 127.0.0.1 >> ~/.ssh/known_hosts`;
    expect(message).toBe(
      `host key for [127.0.0.1]:${sshd.port} is not in ${sshd.knownHostsPath}; check the host, then trust it with: ${command}`,
    );
    // Follow the advice (with the test's HOME for ~): the task then runs.
    writeFileSync(sshd.knownHostsPath, await run(["ssh-keyscan", "-p", String(sshd.port), "127.0.0.1"]));
    expect((await attempt(sshTask())).outcome.ok).toBe(true);
  });

  test("a missing known_hosts file counts as an unknown host", async () => {
    const home = join(sshd.dir, "home-without-known-hosts");
    mkdirSync(join(home, ".ssh"), { recursive: true });
    const { outcome } = await attempt(sshTask({ keyPath: sshd.clientKeyPath }), { env: { HOME: home } });
    expect(outcome).toMatchObject({ ok: false, kind: "host-key" });
    if (!outcome.ok) expect(outcome.message).toContain(`ssh-keyscan -p ${sshd.port} 127.0.0.1 >> ~/.ssh/known_hosts`);
  });

  test("a changed host key is refused with the ssh-keygen -R command to clear the old one", async () => {
    const other = await makeKey(join(sshd.dir, "impostor_host_key"));
    const otherKey = readFileSync(`${other}.pub`, "utf8").split(/\s+/).slice(0, 2).join(" ");
    writeFileSync(sshd.knownHostsPath, `# earlier entry\n[127.0.0.1]:${sshd.port} ${otherKey}\n`);
    const { outcome } = await attempt(sshTask());
    expect(outcome).toMatchObject({ ok: false, kind: "host-key" });
    const message = outcome.ok ? "" : outcome.message;
    expect(message).toContain(`host key for [127.0.0.1]:${sshd.port} has CHANGED`);
    expect(message).toContain(`${sshd.knownHostsPath}:2`);
    expect(message).toContain(`ssh-keygen -R '[127.0.0.1]:${sshd.port}' && ssh-keyscan -p ${sshd.port} 127.0.0.1 >> ~/.ssh/known_hosts`);
    // The suggested removal (pointed at the test's file) leaves no entry for the host.
    await run(["ssh-keygen", "-R", `[127.0.0.1]:${sshd.port}`, "-f", sshd.knownHostsPath]);
    expect(readFileSync(sshd.knownHostsPath, "utf8")).not.toContain(otherKey);
  });

  test("hashed known_hosts entries (ssh-keygen -H) are accepted", async () => {
    writeFileSync(sshd.knownHostsPath, `${sshd.knownHostsLine()}\n`);
    await run(["ssh-keygen", "-H", "-f", sshd.knownHostsPath]);
    const hashed = readFileSync(sshd.knownHostsPath, "utf8");
    expect(hashed).toStartWith("|1|");
    expect(hashed).not.toContain("127.0.0.1");
    expect((await attempt(sshTask())).outcome.ok).toBe(true);
  });

  test("a host known only by its RSA key is accepted though the server prefers ed25519", async () => {
    writeFileSync(sshd.knownHostsPath, `[127.0.0.1]:${sshd.port} ${sshd.hostRsaPublicKey}\n`);
    expect((await attempt(sshTask())).outcome.ok).toBe(true);
  });
});

describe("keys", () => {
  test("without key_path the default ~/.ssh key is used; with no key at all the message says where it looked", async () => {
    expect((await attempt(sshTask({ keyPath: undefined }))).outcome.ok).toBe(true);
    const home = join(sshd.dir, "empty-home");
    mkdirSync(join(home, ".ssh"), { recursive: true });
    const { outcome } = await attempt(sshTask(), { env: { HOME: home } });
    expect(outcome).toMatchObject({
      ok: false,
      kind: "config",
      message: `no SSH key: neither ${home}/.ssh/id_rsa nor ${home}/.ssh/id_ed25519 exists; create one or set config.key_path`,
    });
  });

  test("a missing key file fails naming the file", async () => {
    const missing = join(sshd.dir, "no-such-key");
    const { outcome } = await attempt(sshTask({ keyPath: missing }));
    expect(outcome).toMatchObject({ ok: false, kind: "config", message: `SSH key file ${missing} does not exist` });
  });

  test("~ in key_path means HOME", async () => {
    expect((await attempt(sshTask({ keyPath: "~/.ssh/id_ed25519" }))).outcome.ok).toBe(true);
  });

  test("an encrypted key needs PICOFLOW_SSH_PASSPHRASE; the right one works, a wrong one is named", async () => {
    const key = await makeKey(join(sshd.dir, "encrypted_key"), { passphrase: "correct horse" });
    sshd.authorize(`${key}.pub`);
    const without = await attempt(sshTask({ keyPath: key }));
    expect(without.outcome).toMatchObject({
      ok: false,
      kind: "config",
      message: `SSH key ${key} is encrypted; use a key without a passphrase or put its passphrase in PICOFLOW_SSH_PASSPHRASE`,
    });
    const wrong = await attempt(sshTask({ keyPath: key }), { env: { PICOFLOW_SSH_PASSPHRASE: "wrong" } });
    expect(wrong.outcome).toMatchObject({
      ok: false,
      kind: "config",
      message: `SSH key ${key} could not be decrypted with PICOFLOW_SSH_PASSPHRASE (wrong passphrase?)`,
    });
    const right = await attempt(sshTask({ keyPath: key }), { env: { PICOFLOW_SSH_PASSPHRASE: "correct horse" } });
    expect(right.outcome.ok).toBe(true);
    expect(right.log).not.toContain("correct horse");
  });

  test("a key readable by group or others works but leaves a warning in the log", async () => {
    const loose = join(sshd.dir, "loose_key");
    copyFileSync(sshd.clientKeyPath, loose);
    chmodSync(loose, 0o644);
    const result = await attempt(sshTask({ keyPath: loose }));
    expect(result.outcome.ok).toBe(true);
    expect(result.log).toContain(`warning: private key ${loose} is readable by group or others (mode 0644); run: chmod 600 ${loose}`);
    const strict = await attempt(sshTask({ keyPath: sshd.clientKeyPath }));
    expect(strict.log).not.toContain("warning:");
  });

  test("a key the server does not accept fails as an authentication error naming user, host and key", async () => {
    const stranger = await makeKey(join(sshd.dir, "stranger_key"));
    const { outcome } = await attempt(sshTask({ keyPath: stranger }));
    expect(outcome).toMatchObject({
      ok: false,
      kind: "auth",
      message: `${sshd.user}@127.0.0.1:${sshd.port} refused the key ${stranger} (is its .pub in the user's authorized_keys?)`,
    });
  });
});

describe("connections", () => {
  test("a refused port fails naming host and port", async () => {
    const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const port = listener.port;
    listener.stop(true);
    const { outcome } = await attempt(sshTask({ port }));
    expect(outcome).toMatchObject({
      ok: false,
      kind: "connection-refused",
      message: `connection refused by 127.0.0.1:${port} (is sshd listening there?)`,
    });
  });

  test("a server that never answers the handshake fails after the connect timeout", async () => {
    const silent = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      const { outcome } = await attempt(sshTask({ port: silent.port, connectTimeoutMs: 1000 }));
      expect(outcome).toMatchObject({
        ok: false,
        kind: "timeout",
        message: `no SSH session with 127.0.0.1:${silent.port} within 1s (config.timeout)`,
      });
    } finally {
      silent.stop(true);
    }
  });

  test("tasks for the same user, host, port and key share one login; dispose closes it", async () => {
    const shared = executor();
    const before = acceptedLogins();
    for (const command of ["echo one", "echo two", "exit 4", "echo four"]) await attempt(sshTask({ command }), { using: shared });
    await sshd.waitForCount("Accepted publickey", before + 1);
    expect(acceptedLogins()).toBe(before + 1);
    // The same key spelled differently is the same key; another key file is another login.
    await attempt(sshTask({ keyPath: "~/.ssh/id_ed25519" }), { using: shared });
    expect(acceptedLogins()).toBe(before + 1);
    const copy = join(sshd.dir, "copy_of_client_key");
    copyFileSync(sshd.clientKeyPath, copy);
    await attempt(sshTask({ keyPath: copy }), { using: shared });
    expect(acceptedLogins()).toBe(before + 2);
    const disconnects = sshd.count("Disconnected from user");
    await shared.dispose();
    await sshd.waitForCount("Disconnected from user", disconnects + 2);
  });

  test("tasks running at the same moment on one host get a connection each, reused afterwards", async () => {
    const shared = executor();
    const before = acceptedLogins();
    const results = await Promise.all([1, 2].map(() => attempt(sshTask({ command: "sleep 1; echo done" }), { using: shared })));
    expect(results.map((result) => result.outcome.ok)).toEqual([true, true]);
    await attempt(sshTask(), { using: shared });
    expect(acceptedLogins()).toBe(before + 2);
  });
});

describe("a registry shared by overlapping runs (the daemon)", () => {
  test("dispose at the end of one run never cuts a command another run is running", async () => {
    const shared = executor();
    const disconnects = sshd.count("Disconnected from user");
    const seconds = `1.${Math.floor(Math.random() * 1e6)}`;
    const running = attempt(sshTask({ command: `sleep ${seconds}; echo survived` }), { using: shared });
    // Disposed while the remote command runs: its sleep is there.
    await waitFor(async () => (await pgrep(`^sleep ${seconds}$`)).length > 0, 20_000, "the remote sleep");
    await shared.dispose();
    const result = await running;
    expect(result.outcome.ok).toBe(true);
    expect(result.stdoutTail).toBe("survived\n");
    // Released after the dispose, its connection is closed rather than kept.
    await sshd.waitForCount("Disconnected from user", disconnects + 1);
    // The executor still works for the next run.
    expect((await attempt(sshTask(), { using: shared })).outcome.ok).toBe(true);
  });
});

describe("cut off", () => {
  test("the task's signal stops the remote command's whole process group and closes the connection", async () => {
    const marker = `301.${Math.floor(Math.random() * 1e6)}`;
    const controller = new AbortController();
    const started = Date.now();
    const disconnects = sshd.count("Disconnected from user");
    const running = attempt(sshTask({ command: `echo started; sleep ${marker}; echo never` }), { signal: controller.signal });
    // The sleep itself, not the remote shell whose command line also holds "sleep MARKER":
    // once it runs, the shell has written "started".
    await waitFor(async () => (await pgrep(`^sleep ${marker}$`)).length > 0, 20_000, "the remote sleep");
    controller.abort("timeout");
    const result = await running;
    expect(result.outcome.ok).toBe(false);
    expect(result.stdoutTail).toBe("started\n");
    expect(result.log).toContain("stopping the remote command");
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(await pgrep(marker)).toEqual([]);
    await sshd.waitForCount("Disconnected from user", disconnects + 1);
  });
});
