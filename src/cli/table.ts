// Plain-text tables: columns sized to their content (with caps), one flexible column that takes
// what is left of the terminal width, colour applied after padding so widths stay right.
import type { Painter, Style } from "./colors.js";
import { displayWidth, truncate } from "../text/truncate.js";
import { oneLine } from "./text.js";

/** One column: its header, how to get a cell's text, and optionally its style and limits. */
export interface Column<Row> {
  header: string;
  cell(row: Row): string;
  style?(row: Row): Style | undefined;
  /** Most characters the column may take. */
  max?: number;
  /** The one column that shrinks to fit the terminal (the last one, by convention). */
  flex?: boolean;
}

export interface TableOptions {
  paint: Painter;
  /** Terminal width; undefined = no limit (output to a pipe or file). */
  width?: number | undefined;
}

const GAP = "  ";
const MIN_FLEX = 10;

/** Renders rows as lines: a bold header, then one line per row, no trailing spaces. */
export function renderTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[], options: TableOptions): string[] {
  const cells = rows.map((row) => columns.map((column) => oneLine(column.cell(row))));
  const widths = columns.map((column, index) => {
    const longest = Math.max(displayWidth(column.header), ...cells.map((row) => displayWidth(row[index] ?? "")));
    return column.max ? Math.min(longest, column.max) : longest;
  });
  const flexIndex = columns.findIndex((column) => column.flex);
  if (flexIndex !== -1 && options.width !== undefined) {
    const fixed = widths.reduce((sum, width, index) => (index === flexIndex ? sum : sum + width), 0) + GAP.length * (columns.length - 1);
    widths[flexIndex] = Math.min(widths[flexIndex] ?? 0, Math.max(MIN_FLEX, options.width - fixed));
  }
  const render = (texts: readonly string[], styleOf: (index: number) => Style | undefined) =>
    texts
      .map((text, index) => {
        const width = widths[index] ?? 0;
        const fitted = truncate(text, width);
        const padded = index === texts.length - 1 ? fitted : fitted + " ".repeat(Math.max(0, width - displayWidth(fitted)));
        const style = styleOf(index);
        return style && fitted ? options.paint(style, fitted) + padded.slice(fitted.length) : padded;
      })
      .join(GAP)
      .trimEnd();
  const header = render(columns.map((column) => column.header), () => "bold");
  return [header, ...rows.map((row, rowIndex) => render(cells[rowIndex] ?? [], (index) => columns[index]?.style?.(row)))];
}
