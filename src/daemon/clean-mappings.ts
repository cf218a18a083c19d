/**
 * Which parts of the address space may be given back while the daemon idles: read from
 * /proc/self/smaps, chosen so that dropping their pages can never lose a byte.
 */

export interface Mapping {
  start: bigint;
  end: bigint;
  perms: string;
  path: string;
  /** Resident kB, and of that the kB that are private copies (copy-on-write), not file pages. */
  rssKb: number;
  anonymousKb: number;
}

const HEADER = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \S+\s*(.*)$/;
const FIELD = /^(Rss|Anonymous):\s+(\d+) kB$/;

/** Every mapping of an smaps text, with its Rss and Anonymous fields. */
export function parseSmaps(text: string): Mapping[] {
  const mappings: Mapping[] = [];
  let current: Mapping | undefined;
  for (const line of text.split("\n")) {
    const header = HEADER.exec(line);
    if (header) {
      const [, start, end, perms, path] = header as unknown as [string, string, string, string, string];
      current = { start: BigInt(`0x${start}`), end: BigInt(`0x${end}`), perms, path, rssKb: 0, anonymousKb: 0 };
      mappings.push(current);
      continue;
    }
    const field = FIELD.exec(line);
    if (field && current) {
      if (field[1] === "Rss") current.rssKb = Number(field[2]);
      else current.anonymousKb = Number(field[2]);
    }
  }
  return mappings;
}

/**
 * The mappings of the running program's own file (`executable`, e.g. /proc/self/exe's target)
 * that are resident, not writable and hold no private copy of a page. Dropping their page
 * table entries loses nothing: every page is the file's, and the next touch maps it again
 * from the page cache. A mapping with a private copy (relocated data made read-only after
 * start-up) would silently revert to the file's bytes and crash the process, so it is kept.
 * Only the executable's mappings: they live as long as the process, so none can be
 * unmapped and replaced by other memory between reading smaps and dropping the pages.
 */
export function releasableMappings(mappings: readonly Mapping[], executable: string): Mapping[] {
  return mappings.filter(
    (mapping) =>
      mapping.path === executable && !mapping.perms.includes("w") && mapping.anonymousKb === 0 && mapping.rssKb > 0,
  );
}
