/** Opens one authenticated SSH connection, checking the host key against known_hosts first. */
import { timerMs } from "../util/duration.ts";
import type { Client, ConnectConfig } from "ssh2";
import {
  checkHostKey,
  type HostKeyVerdict,
  hostKeyRefusal,
  knownHostsName,
  knownKeyTypes,
  preferredHostKeyAlgorithms,
  readKnownHosts,
} from "./ssh-known-hosts.ts";
import type { PrivateKey } from "./ssh-keys.ts";
import type { FailureKind } from "./types.ts";

/** Keeps a long run's idle pooled connection from being dropped silently by firewalls and NAT. */
const KEEPALIVE_INTERVAL_MS = 15_000;

export interface ConnectTarget {
  host: string;
  port: number;
  user: string;
  key: PrivateKey;
  connectTimeoutMs: number;
  knownHostsPath: string;
}

/** A connection that could not be opened, as a task failure. */
export class SshConnectError extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export function openConnection(ClientClass: typeof Client, target: ConnectTarget): Promise<Client> {
  const { host, port, user, key } = target;
  const where = `${user}@${host}:${port}`;
  const name = knownHostsName(host, port);
  let knownHosts: ReturnType<typeof readKnownHosts>;
  try {
    knownHosts = readKnownHosts(target.knownHostsPath);
  } catch (error) {
    return Promise.reject(new SshConnectError("config", `cannot read ${target.knownHostsPath}: ${(error as Error).message}`, { cause: error }));
  }
  let refusal: Exclude<HostKeyVerdict, { status: "known" }> | undefined;

  return new Promise<Client>((resolve, reject) => {
    const client = new ClientClass();
    let settled = false;
    const fail = (error: SshConnectError) => {
      if (settled) return;
      settled = true;
      client.destroy();
      reject(error);
    };
    // Registered for the connection's whole life: an unhandled "error" event would crash the process.
    client.on("error", (error: Error & { level?: string; code?: string }) => {
      if (settled) return;
      if (refusal) return fail(new SshConnectError("host-key", hostKeyRefusal(refusal, host, port, target.knownHostsPath)));
      fail(classify(error, where, target));
    });
    client.on("close", () => fail(new SshConnectError("network", `${host}:${port} closed the connection during the SSH handshake`)));
    client.once("ready", () => {
      settled = true;
      resolve(client);
    });
    const config: ConnectConfig = {
      host,
      port,
      username: user,
      privateKey: key.data,
      readyTimeout: timerMs(target.connectTimeoutMs),
      keepaliveInterval: KEEPALIVE_INTERVAL_MS,
      algorithms: { serverHostKey: preferredHostKeyAlgorithms(knownKeyTypes(knownHosts.entries, name)) },
      hostVerifier: (blob: Buffer) => {
        const verdict = checkHostKey(knownHosts.entries, name, blob);
        if (verdict.status === "known") return true;
        refusal = verdict;
        return false;
      },
    };
    if (key.passphrase !== undefined) config.passphrase = key.passphrase;
    try {
      client.connect(config);
    } catch (error) {
      fail(new SshConnectError("config", `cannot connect to ${where}: ${(error as Error).message}`, { cause: error }));
    }
  });
}

function classify(error: Error & { level?: string; code?: string }, where: string, target: ConnectTarget): SshConnectError {
  const code = error.code ?? "";
  const hostPort = `${target.host}:${target.port}`;
  if (error.level === "client-timeout") {
    return new SshConnectError("timeout", `no SSH session with ${hostPort} within ${target.connectTimeoutMs / 1000}s (config.timeout)`, { cause: error });
  }
  if (error.level === "client-authentication") {
    return new SshConnectError("auth", `${where} refused the key ${target.key.path} (is its .pub in the user's authorized_keys?)`, { cause: error });
  }
  if (code === "ECONNREFUSED") return new SshConnectError("connection-refused", `connection refused by ${hostPort} (is sshd listening there?)`, { cause: error });
  if (code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "EAI_NONAME") {
    return new SshConnectError("dns", `cannot resolve host ${target.host} (${code})`, { cause: error });
  }
  if (code === "ETIMEDOUT" || code === "EHOSTUNREACH" || code === "ENETUNREACH") {
    return new SshConnectError("network", `cannot reach ${hostPort} (${code})`, { cause: error });
  }
  return new SshConnectError("network", `SSH connection to ${hostPort} failed: ${error.message}${code ? ` [${code}]` : ""}`, { cause: error });
}
