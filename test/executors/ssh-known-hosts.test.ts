/** known_hosts matching: names, patterns, hashes, markers, and the refusal messages. */
import { createHmac, randomBytes } from "node:crypto";
import { expect, test } from "bun:test";
import {
  checkHostKey,
  hostKeyRefusal,
  hostMatches,
  knownHostsName,
  parseKnownHosts,
  preferredHostKeyAlgorithms,
} from "../../src/executors/ssh-known-hosts.ts";

/** An SSH public key blob: string type, then some key bytes. */
function blob(type: string, fill: number): Buffer {
  const name = Buffer.from(type);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(name.length);
  return Buffer.concat([length, name, Buffer.alloc(32, fill)]);
}
const ED = blob("ssh-ed25519", 1);
const ED_OTHER = blob("ssh-ed25519", 2);
const b64 = (key: Buffer) => key.toString("base64");

test("port 22 uses the bare host name, other ports [host]:port, lower-cased", () => {
  expect(knownHostsName("Web1.Example.com", 22)).toBe("web1.example.com");
  expect(knownHostsName("web1", 2222)).toBe("[web1]:2222");
  expect(knownHostsName("::1", 2222)).toBe("[::1]:2222");
});

test("patterns: lists, wildcards and negations", () => {
  expect(hostMatches("web1,web2", "web2")).toBe(true);
  expect(hostMatches("*.example.com", "web1.example.com")).toBe(true);
  expect(hostMatches("web?", "web7")).toBe(true);
  expect(hostMatches("*.example.com,!db.example.com", "db.example.com")).toBe(false);
  expect(hostMatches("[web1]:2222", "web1")).toBe(false);
  expect(hostMatches("WEB1", "web1")).toBe(true);
});

test("hashed names match by HMAC-SHA1 of the name with the entry's salt", () => {
  const salt = randomBytes(20);
  const hash = createHmac("sha1", salt).update("[10.0.0.5]:2222").digest("base64");
  const entry = `|1|${salt.toString("base64")}|${hash}`;
  expect(hostMatches(entry, "[10.0.0.5]:2222")).toBe(true);
  expect(hostMatches(entry, "10.0.0.5")).toBe(false);
});

test("verdicts: known, changed (with its line), unknown, revoked; comments and CA lines ignored", () => {
  const file = [
    "# comment",
    `@cert-authority *.example.com ssh-ed25519 ${b64(ED_OTHER)}`,
    `web1 ssh-ed25519 ${b64(ED)}`,
    `web2 ssh-ed25519 ${b64(ED_OTHER)}`,
    `web3 ssh-rsa ${b64(blob("ssh-rsa", 3))}`,
    `@revoked * ssh-ed25519 ${b64(blob("ssh-ed25519", 9))}`,
  ].join("\n");
  const entries = parseKnownHosts(file);
  expect(checkHostKey(entries, "web1", ED)).toEqual({ status: "known" });
  expect(checkHostKey(entries, "web2", ED)).toEqual({ status: "changed", line: 4, keyType: "ssh-ed25519" });
  expect(checkHostKey(entries, "web3", ED)).toEqual({ status: "unknown", otherTypes: ["ssh-rsa"] });
  expect(checkHostKey(entries, "x.example.com", ED)).toEqual({ status: "unknown", otherTypes: [] });
  expect(checkHostKey(entries, "web1", blob("ssh-ed25519", 9))).toEqual({ status: "revoked", line: 6 });
});

test("host key algorithms already known for the host come first", () => {
  expect(preferredHostKeyAlgorithms(["ssh-rsa"]).slice(0, 4)).toEqual(["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa", "ssh-ed25519"]);
  expect(preferredHostKeyAlgorithms([])[0]).toBe("ssh-ed25519");
});

test("refusals on port 22 give commands without -p or brackets", () => {
  expect(hostKeyRefusal({ status: "unknown", otherTypes: [] }, "web1", 22, "/home/u/.ssh/known_hosts")).toBe(
    "host key for web1 is not in /home/u/.ssh/known_hosts; check the host, then trust it with: ssh-keyscan web1 >> ~/.ssh/known_hosts",
  );
  expect(hostKeyRefusal({ status: "changed", line: 3, keyType: "ssh-ed25519" }, "web1", 22, "/k")).toContain(
    "run: ssh-keygen -R 'web1' && ssh-keyscan web1 >> ~/.ssh/known_hosts",
  );
});
