/** Bytes of the files under a folder, walked without blocking the event loop. */
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";

/** Files vanishing meanwhile count as 0; a missing `path` rejects (ENOENT). */
export async function directoryBytes(path: string): Promise<number> {
  const info = await stat(path);
  if (!info.isDirectory()) return info.size;
  let total = 0;
  for (const entry of await readdir(path)) total += await directoryBytes(join(path, entry)).catch(() => 0);
  return total;
}
