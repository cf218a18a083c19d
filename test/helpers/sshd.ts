/**
 * A throwaway OpenSSH server on loopback for SSH task tests: its own host key, an
 * authorized client key, a temp HOME whose ~/.ssh holds that client key, and sshd's log.
 * Needs root (sshd switches to the logged-in user) and /usr/sbin/sshd (Debian openssh-server).
 */
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./cli.ts";
import { freePort } from "./ports.ts";
import { waitFor } from "./wait-for.ts";

export const SSHD_PATH = "/usr/sbin/sshd";
/** sshd needs a few hundred ms to start; a busy shared machine can take far longer. */
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;
const PORT_ATTEMPTS = 3;

export interface SshdOptions {
  /** Also listen on ::1 (when the machine has IPv6 loopback). */
  ipv6?: boolean;
}

export interface Sshd {
  port: number;
  /** The account the tests log in as: whoever runs them. */
  user: string;
  /** A HOME for the code under test: .ssh/id_ed25519 is authorized, known_hosts starts empty. */
  home: string;
  clientKeyPath: string;
  knownHostsPath: string;
  /** The server's public host keys, "ssh-ed25519 AAAA..." and "ssh-rsa AAAA...". */
  hostPublicKey: string;
  hostRsaPublicKey: string;
  /** True when sshd also listens on ::1. */
  ipv6: boolean;
  /** `[127.0.0.1]:PORT ssh-ed25519 AAAA...`: the plain known_hosts line for this server. */
  knownHostsLine(host?: string): string;
  /** A temp directory for the test's own files, removed by stop(). */
  dir: string;
  /** Authorizes another public key (the file is re-read on every login). */
  authorize(publicKeyPath: string): void;
  /** Everything sshd logged so far (-e: to stderr). */
  log(): string;
  /** How many times sshd has logged `text` so far. */
  count(text: string): number;
  /** Resolves once sshd has logged `text` at least `times` times, or rejects after `timeoutMs`. */
  waitForCount(text: string, times: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export function hasIpv6Loopback(): boolean {
  try {
    return readFileSync("/proc/net/if_inet6", "utf8").includes("00000000000000000000000000000001");
  } catch {
    return false;
  }
}

/** Runs a command to completion; throws with its stderr when it fails. */
export async function run(cmd: string[]): Promise<string> {
  const child = Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  if (code !== 0) throw new Error(`${cmd.join(" ")} failed (${code}): ${err.trim()}`);
  return out;
}

/** Creates a key pair with ssh-keygen; returns the private key path (the public one adds .pub). */
export async function makeKey(path: string, options: { type?: "ed25519" | "rsa"; passphrase?: string } = {}): Promise<string> {
  await run(["ssh-keygen", "-q", "-t", options.type ?? "ed25519", "-N", options.passphrase ?? "", "-C", "picoflow-test", "-f", path]);
  chmodSync(path, 0o600);
  return path;
}

export async function startSshd(options: SshdOptions = {}): Promise<Sshd> {
  if (!existsSync(SSHD_PATH)) throw new Error(`${SSHD_PATH} is missing: apt-get install -y openssh-server`);
  mkdirSync("/run/sshd", { recursive: true }); // privilege separation directory
  const tmp = tempDir("picoflow-sshd-");
  const home = join(tmp.dir, "home");
  mkdirSync(join(home, ".ssh"), { recursive: true, mode: 0o700 });
  const hostKey = await makeKey(join(tmp.dir, "ssh_host_ed25519_key"));
  const hostRsaKey = await makeKey(join(tmp.dir, "ssh_host_rsa_key"), { type: "rsa" });
  const clientKeyPath = await makeKey(join(home, ".ssh", "id_ed25519"));
  const authorizedKeys = join(tmp.dir, "authorized_keys");
  writeFileSync(authorizedKeys, readFileSync(`${clientKeyPath}.pub`));
  const knownHostsPath = join(home, ".ssh", "known_hosts");
  writeFileSync(knownHostsPath, "");
  const publicKey = (path: string) => readFileSync(`${path}.pub`, "utf8").trim().split(/\s+/).slice(0, 2).join(" ");
  const hostPublicKey = publicKey(hostKey);
  const hostRsaPublicKey = publicKey(hostRsaKey);
  const ipv6 = options.ipv6 === true && hasIpv6Loopback();

  let lastError = "";
  for (let attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
    // Another process may take the port between freePort() and sshd's bind: try again then.
    const port = await freePort();
    const config = join(tmp.dir, "sshd_config");
    writeFileSync(
      config,
      [
        "ListenAddress 127.0.0.1",
        ...(ipv6 ? ["ListenAddress ::1"] : []),
        `Port ${port}`,
        `HostKey ${hostKey}`,
        `HostKey ${hostRsaKey}`,
        `AuthorizedKeysFile ${authorizedKeys}`,
        `PidFile ${join(tmp.dir, "sshd.pid")}`,
        "UsePAM no",
        "StrictModes no",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "PermitRootLogin prohibit-password",
        "UseDNS no",
        "LogLevel VERBOSE",
        "",
      ].join("\n"),
    );
    const child = Bun.spawn([SSHD_PATH, "-D", "-e", "-f", config], { stdin: "ignore", stdout: "ignore", stderr: "pipe" });
    let logText = "";
    const decoder = new TextDecoder();
    const reading = (async () => {
      for await (const chunk of child.stderr) logText += decoder.decode(chunk, { stream: true });
    })();
    const ready = await holdsWithin(() => /Server listening on 127\.0\.0\.1 port/.test(logText) || child.exitCode !== null, START_TIMEOUT_MS);
    if (!ready || child.exitCode !== null) {
      lastError = logText.trim();
      child.kill("SIGKILL");
      await child.exited;
      continue;
    }
    const fixture: Sshd = {
      port,
      user: currentUser(),
      home,
      clientKeyPath,
      knownHostsPath,
      hostPublicKey,
      hostRsaPublicKey,
      ipv6,
      dir: tmp.dir,
      knownHostsLine: (host = "127.0.0.1") => `[${host}]:${port} ${hostPublicKey}`,
      authorize: (publicKeyPath) => appendFileSync(authorizedKeys, readFileSync(publicKeyPath)),
      log: () => logText,
      count: (text) => logText.split(text).length - 1,
      waitForCount: async (text, times, timeoutMs = START_TIMEOUT_MS) => {
        const seen = () => logText.split(text).length - 1;
        if (!(await holdsWithin(() => seen() >= times, timeoutMs))) {
          throw new Error(`sshd logged "${text}" ${seen()} times, not ${times}; log:\n${logText}`);
        }
      },
      stop: async () => {
        // Per-connection children outlive the listener: end them (by pid) first.
        for (const pid of descendants(child.pid)) signal(pid, "SIGTERM");
        child.kill("SIGTERM");
        const stopped = await Promise.race([child.exited.then(() => true), Bun.sleep(STOP_TIMEOUT_MS).then(() => false)]);
        if (!stopped) child.kill("SIGKILL");
        await child.exited;
        await reading.catch(() => {});
        tmp.cleanup();
      },
    };
    return fixture;
  }
  tmp.cleanup();
  throw new Error(`sshd did not start after ${PORT_ATTEMPTS} attempts: ${lastError}`);
}

/** The login name for this process's uid, from /etc/passwd (os.userInfo() can say "unknown" in containers). */
export function currentUser(): string {
  const uid = process.getuid?.() ?? 0;
  for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
    const [name, , id] = line.split(":");
    if (name && Number(id) === uid) return name;
  }
  throw new Error(`no /etc/passwd entry for uid ${uid}`);
}

/** True once `condition` holds, false when `timeoutMs` passed first (the caller says what it saw). */
function holdsWithin(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  return waitFor(condition, timeoutMs, "sshd").then(
    () => true,
    () => false,
  );
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

/** Every live process below `root`, found through /proc's parent links. */
export function descendants(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // Field 4 (ppid) follows the command name, which is in parentheses and may hold spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // Exited while we looked.
    }
  }
  const found: number[] = [];
  const frontier = [root];
  while (frontier.length > 0) {
    const parent = frontier.pop() as number;
    for (const [pid, ppid] of parents) {
      if (ppid === parent) {
        found.push(pid);
        frontier.push(pid);
      }
    }
  }
  return found;
}

/** Pids of processes whose command line contains `text` (pgrep -f), excluding pgrep itself. */
export async function pgrep(text: string): Promise<number[]> {
  const child = Bun.spawn(["pgrep", "-f", "--", text], { stdout: "pipe", stderr: "ignore" });
  const out = await new Response(child.stdout).text();
  await child.exited;
  return out
    .split("\n")
    .filter(Boolean)
    .map(Number)
    .filter((pid) => pid !== child.pid);
}
