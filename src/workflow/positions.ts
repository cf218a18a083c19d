/** Maps a path inside a parsed YAML document (["tasks", 2, "retry"]) to a line and column. */
import type { Document, LineCounter, Node } from "yaml";
import type { Position } from "../errors.ts";

export type DocPath = readonly (string | number)[];

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | undefined)?.range;
  return range ? range[0] : undefined;
}

/**
 * The position of the value at `path`; with `atKey`, of the key that names it (for unknown
 * fields). When the path runs out of the document (a missing field), the deepest node found.
 */
export function locate(doc: Document, lines: LineCounter, path: DocPath, atKey = false): Position | undefined {
  // The caller already loaded yaml to build `doc`; a static import would load it for every command.
  const { isMap, isPair, isScalar, isSeq } = require("yaml") as typeof import("yaml");
  let node: unknown = doc.contents;
  let offset = rangeStart(node);
  for (const [index, segment] of path.entries()) {
    const last = index === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === segment);
      if (!pair) break;
      if (last && atKey) {
        offset = rangeStart(pair.key) ?? offset;
        break;
      }
      node = pair.value;
      offset = rangeStart(node) ?? rangeStart(pair.key) ?? offset;
    } else if (isSeq(node) && typeof segment === "number") {
      node = node.items[segment];
      offset = rangeStart(node) ?? offset;
    } else {
      break;
    }
  }
  if (offset === undefined) return undefined;
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
}
