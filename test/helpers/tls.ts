/** A self-signed certificate for 127.0.0.1, made with openssl for HTTPS servers in tests. */
import { join } from "node:path";
import { run } from "./sshd.ts";

export interface SelfSignedCert {
  /** PEM certificate; also the CA file a client must trust. */
  certFile: string;
  keyFile: string;
}

export async function selfSignedCert(dir: string, name = "server"): Promise<SelfSignedCert> {
  const certFile = join(dir, `${name}-cert.pem`);
  const keyFile = join(dir, `${name}-key.pem`);
  await run([
    "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyFile, "-out", certFile, "-days", "2",
    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
  ]);
  return { certFile, keyFile };
}
