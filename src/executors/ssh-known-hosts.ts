/**
 * Host key checks against an OpenSSH known_hosts file: plain and hashed (`|1|salt|hash`) host
 * entries, `[host]:port` names, `*`/`?` wildcards, `!` negations and `@revoked` markers.
 * Certificates (`@cert-authority`) are not supported: such lines are ignored.
 */
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import type { ServerHostKeyAlgorithm } from "ssh2";

export const SSH_DEFAULT_PORT = 22;

export interface KnownHostEntry {
  /** 1-based line number in the file, for messages. */
  line: number;
  marker: "revoked" | "cert-authority" | undefined;
  hosts: string;
  keyType: string;
  /** Base64 of the public key blob, as written in the file. */
  key: string;
}

export type HostKeyVerdict =
  | { status: "known" }
  | { status: "unknown"; otherTypes: string[] }
  | { status: "changed"; line: number; keyType: string }
  | { status: "revoked"; line: number };

/** How OpenSSH names a host in known_hosts: `host` on port 22, `[host]:port` on any other. */
export function knownHostsName(host: string, port: number): string {
  const name = host.toLowerCase();
  return port === SSH_DEFAULT_PORT ? name : `[${name}]:${port}`;
}

/** The entries of a known_hosts file; a missing file has none. */
export function readKnownHosts(path: string): { entries: KnownHostEntry[]; exists: boolean } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { entries: [], exists: false };
    throw error;
  }
  return { entries: parseKnownHosts(text), exists: true };
}

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split("\n").forEach((raw, index) => {
    const fields = raw.trim().split(/\s+/);
    if (!fields[0] || fields[0].startsWith("#")) return;
    let marker: KnownHostEntry["marker"];
    if (fields[0] === "@revoked" || fields[0] === "@cert-authority") {
      marker = fields[0] === "@revoked" ? "revoked" : "cert-authority";
      fields.shift();
    }
    const [hosts, keyType, key] = fields;
    if (hosts && keyType && key) entries.push({ line: index + 1, marker, hosts, keyType, key });
  });
  return entries;
}

/** Whether an entry's host field (a hashed name, or comma-separated patterns) names `name`. */
export function hostMatches(hosts: string, name: string): boolean {
  if (hosts.startsWith("|1|")) {
    const [, , salt, hash] = hosts.split("|");
    if (!salt || !hash) return false;
    return createHmac("sha1", Buffer.from(salt, "base64")).update(name).digest("base64") === hash;
  }
  let matched = false;
  for (const pattern of hosts.toLowerCase().split(",")) {
    const negated = pattern.startsWith("!");
    if (!wildcard(negated ? pattern.slice(1) : pattern).test(name)) continue;
    // A matching negation excludes the host whatever else the line says.
    if (negated) return false;
    matched = true;
  }
  return matched;
}

function wildcard(pattern: string): RegExp {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*").replaceAll("?", ".");
  return new RegExp(`^${source}$`);
}

/** The key type named inside an SSH public key blob (its first length-prefixed string). */
export function keyTypeOf(blob: Uint8Array): string {
  const buffer = Buffer.from(blob);
  if (buffer.length < 4) return "";
  const length = buffer.readUInt32BE(0);
  return buffer.subarray(4, 4 + length).toString("latin1");
}

/** Checks the server's key (raw blob) for the known_hosts `name` (see knownHostsName). */
export function checkHostKey(entries: readonly KnownHostEntry[], name: string, blob: Uint8Array): HostKeyVerdict {
  const keyType = keyTypeOf(blob);
  const key = Buffer.from(blob).toString("base64");
  const forHost = entries.filter((entry) => entry.marker !== "cert-authority" && hostMatches(entry.hosts, name));
  const revoked = entries.find((entry) => entry.marker === "revoked" && entry.key === key);
  if (revoked) return { status: "revoked", line: revoked.line };
  const plain = forHost.filter((entry) => entry.marker === undefined);
  if (plain.some((entry) => entry.keyType === keyType && entry.key === key)) return { status: "known" };
  const conflicting = plain.find((entry) => entry.keyType === keyType);
  if (conflicting) return { status: "changed", line: conflicting.line, keyType };
  return { status: "unknown", otherTypes: [...new Set(plain.map((entry) => entry.keyType))] };
}

/** Key types known_hosts already holds for `name`, so the handshake can ask for one of those first. */
export function knownKeyTypes(entries: readonly KnownHostEntry[], name: string): string[] {
  const types = entries.filter((entry) => entry.marker === undefined && hostMatches(entry.hosts, name)).map((entry) => entry.keyType);
  return [...new Set(types)];
}

/** Host key algorithms ssh2 can use, most preferred first (its own default order). */
const HOST_KEY_ALGORITHMS: readonly ServerHostKeyAlgorithm[] = [
  "ssh-ed25519",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "rsa-sha2-512",
  "rsa-sha2-256",
  "ssh-rsa",
];

/**
 * Like OpenSSH, prefer the algorithms whose keys known_hosts already has: otherwise a server
 * that also offers an ed25519 key looks "unknown" to a user who only recorded its RSA key.
 */
export function preferredHostKeyAlgorithms(knownTypes: readonly string[]): ServerHostKeyAlgorithm[] {
  const algorithmsFor = (type: string): string[] => (type === "ssh-rsa" ? ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"] : [type]);
  const supported = (algorithm: string): algorithm is ServerHostKeyAlgorithm => HOST_KEY_ALGORITHMS.includes(algorithm as ServerHostKeyAlgorithm);
  const first = knownTypes.flatMap(algorithmsFor).filter(supported);
  return [...new Set([...first, ...HOST_KEY_ALGORITHMS])];
}

/** One line: why the host key was refused and the exact command that fixes it. */
export function hostKeyRefusal(verdict: Exclude<HostKeyVerdict, { status: "known" }>, host: string, port: number, file: string): string {
  const name = knownHostsName(host, port);
  const keyscan = `ssh-keyscan ${port === SSH_DEFAULT_PORT ? "" : `-p ${port} `}${host} >> ~/.ssh/known_hosts`;
  const remove = `ssh-keygen -R '${name}'`;
  switch (verdict.status) {
    case "unknown": {
      const others = verdict.otherTypes.length > 0 ? ` (it has only ${verdict.otherTypes.join(", ")} keys for it, which the server did not offer)` : "";
      return `host key for ${name} is not in ${file}${others}; check the host, then trust it with: ${keyscan}`;
    }
    case "changed":
      return `host key for ${name} has CHANGED: the ${verdict.keyType} key differs from ${file}:${verdict.line} (someone may be intercepting the connection); if the change is expected, run: ${remove} && ${keyscan}`;
    case "revoked":
      return `host key for ${name} is marked @revoked in ${file}:${verdict.line}; refusing to connect`;
  }
}
