/** struct sockaddr_un for a unix socket path or an abstract name (`@name`), as bytes. */

const AF_UNIX = 1;
/** sizeof(struct sockaddr_un): a 2-byte family and 108 bytes of path. */
const SOCKADDR_UN_SIZE = 110;
const SUN_PATH_OFFSET = 2;
export const SUN_PATH_MAX = 108;

/** A socket address: the bytes of struct sockaddr_un and the length to pass with them. */
export interface UnixAddress {
  bytes: Uint8Array;
  length: number;
}

/**
 * Builds sockaddr_un for `/path` or `@abstract`. An abstract name starts with a NUL byte and
 * its length counts exactly its bytes (no terminator), as systemd's sd_notify does.
 */
export function unixAddress(address: string): UnixAddress | string {
  const abstract = address.startsWith("@");
  if (!abstract && !address.startsWith("/")) return "must be an absolute path or an abstract name starting with @";
  const name = new TextEncoder().encode(abstract ? address.slice(1) : address);
  // The leading NUL of an abstract name, or the terminating NUL of a path.
  const pathBytes = name.length + 1;
  if (pathBytes > SUN_PATH_MAX) return `is longer than a unix socket address may be (${SUN_PATH_MAX} bytes)`;
  const bytes = new Uint8Array(SOCKADDR_UN_SIZE);
  new DataView(bytes.buffer).setUint16(0, AF_UNIX, true);
  bytes.set(name, SUN_PATH_OFFSET + (abstract ? 1 : 0));
  return { bytes, length: SUN_PATH_OFFSET + pathBytes };
}

