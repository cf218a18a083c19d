/**
 * Finding, reading and checking the private key of an SSH task. Passphrase-less keys work as
 * they are; an encrypted key needs its passphrase in PICOFLOW_SSH_PASSPHRASE.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import type { ParsedKey } from "ssh2";

export const PASSPHRASE_VARIABLE = "PICOFLOW_SSH_PASSPHRASE";
/** Tried in this order when a task gives no key_path, like OpenSSH does. */
const DEFAULT_KEY_FILES = ["id_rsa", "id_ed25519"];
/** Permission bits that let group or others read the file. */
const GROUP_OR_OTHER_BITS = 0o077;

export type ParseKey = (data: Buffer, passphrase?: string) => ParsedKey | ParsedKey[] | Error;

export interface PrivateKey {
  path: string;
  data: Buffer;
  passphrase: string | undefined;
}

export type KeyLoad = { ok: true; key: PrivateKey } | { ok: false; message: string };

/** The key file a task uses: its key_path (with ~ expanded), else the first default key that exists. */
export function keyPathFor(keyPath: string | undefined, home: string): { ok: true; path: string } | { ok: false; message: string } {
  if (keyPath !== undefined) {
    const expanded = keyPath === "~" || keyPath.startsWith("~/") ? join(home, keyPath.slice(1)) : keyPath;
    return { ok: true, path: isAbsolute(expanded) ? expanded : resolve(expanded) };
  }
  const candidates = DEFAULT_KEY_FILES.map((file) => join(home, ".ssh", file));
  const found = candidates.find((path) => existsSync(path));
  if (found) return { ok: true, path: found };
  return { ok: false, message: `no SSH key: neither ${candidates.join(" nor ")} exists; create one or set config.key_path` };
}

/** A warning when the key file is readable by group or others (OpenSSH refuses such keys; we only warn). */
export function keyPermissionWarning(path: string): string | undefined {
  try {
    const mode = statSync(path).mode & 0o777;
    if ((mode & GROUP_OR_OTHER_BITS) === 0) return undefined;
    return `private key ${path} is readable by group or others (mode ${mode.toString(8).padStart(4, "0")}); run: chmod 600 ${path}`;
  } catch {
    return undefined;
  }
}

/** Reads and parses the key; every problem comes back as one line naming the file. */
export function loadPrivateKey(path: string, parseKey: ParseKey, env: Readonly<Record<string, string | undefined>>): KeyLoad {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT" ? "does not exist" : code === "EACCES" ? "is not readable (permission denied)" : code === "EISDIR" ? "is a directory" : (error as Error).message;
    return { ok: false, message: `SSH key file ${path} ${reason}` };
  }
  let parsed = parseKey(data);
  let passphrase: string | undefined;
  if (parsed instanceof Error && /encrypted/i.test(parsed.message)) {
    passphrase = env[PASSPHRASE_VARIABLE];
    if (passphrase === undefined || passphrase === "") {
      return { ok: false, message: `SSH key ${path} is encrypted; use a key without a passphrase or put its passphrase in ${PASSPHRASE_VARIABLE}` };
    }
    parsed = parseKey(data, passphrase);
    if (parsed instanceof Error) return { ok: false, message: `SSH key ${path} could not be decrypted with ${PASSPHRASE_VARIABLE} (wrong passphrase?)` };
  }
  if (parsed instanceof Error) return { ok: false, message: `SSH key file ${path} is not a private key PicoFlow can read (${parsed.message})` };
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key?.isPrivateKey()) return { ok: false, message: `SSH key file ${path} holds a public key; key_path must name the private key` };
  return { ok: true, key: { path, data, passphrase } };
}
