/** A plain-text table printer: upper-case headers, columns padded to their widest cell. */

export interface Column {
  header: string;
  /** Numbers read better right-aligned. */
  align?: "left" | "right";
}

/** Spaces between columns. */
const GAP = "  ";

/** The table's lines, header first; trailing spaces trimmed so output diffs cleanly. */
export function renderTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string[] {
  const widths = columns.map((column, index) => Math.max(column.header.length, ...rows.map((row) => displayWidth(row[index] ?? ""))));
  const line = (cells: readonly string[]) =>
    columns
      .map((column, index) => {
        const cell = cells[index] ?? "";
        const padding = " ".repeat(Math.max(0, (widths[index] ?? 0) - displayWidth(cell)));
        return column.align === "right" ? padding + cell : cell + padding;
      })
      .join(GAP)
      .trimEnd();
  return [line(columns.map((column) => column.header)), ...rows.map(line)];
}

/** Characters, not UTF-16 units, so a name with an accent or emoji does not skew the columns much. */
function displayWidth(text: string): number {
  return [...text].length;
}
