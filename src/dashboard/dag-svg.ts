/**
 * The DAG as a standalone SVG picture: tasks in rows by dependency depth, arrows from each
 * dependency to its dependent, each node coloured by its task's state when an execution is
 * given. Shared by `picoflow graph --format svg` and the dashboard; every name is escaped.
 */
import { describeFailure } from "../cli/format.ts";
import type { TaskState, TaskView } from "../cli/task-view.ts";
import { computeLevels, type GraphNode } from "../workflow/graph.ts";
import { escapeHtml } from "./html.ts";

export interface Palette {
  fill: string;
  stroke: string;
}

export const PALETTE: Record<TaskState, Palette> = {
  succeeded: { fill: "#d3f9d8", stroke: "#2b8a3e" },
  running: { fill: "#d0ebff", stroke: "#1971c2" },
  retrying: { fill: "#fff3bf", stroke: "#e67700" },
  waiting: { fill: "#fff3bf", stroke: "#e67700" },
  failed: { fill: "#ffe3e3", stroke: "#c92a2a" },
  skipped: { fill: "#f1f3f5", stroke: "#868e96" },
  pending: { fill: "#ffffff", stroke: "#adb5bd" },
  not_run: { fill: "#ffffff", stroke: "#adb5bd" },
};

/** The second line of a coloured node: its state, and why it failed. */
export function taskStateLine(task: TaskView): string {
  const words = task.state.replace("_", " ");
  if (task.state === "failed" && task.latest) return `${words}: ${describeFailure(task.latest)}`;
  return words;
}

export interface SvgOptions {
  title: string;
  /** Colours nodes by state; nodes without an entry stay neutral. */
  tasks?: ReadonlyMap<string, TaskView>;
  /** Links each node to this address (the dashboard's task anchors); undefined draws no links. */
  href?: (task: string) => string;
  /** The loaded workflow's plan levels; without them (an execution of a workflow not loaded) they are computed from the nodes. */
  levels?: readonly (readonly string[])[];
}

const NODE_WIDTH = 168;
const NODE_HEIGHT = 46;
const GAP_X = 20;
const GAP_Y = 44;
const MARGIN = 16;
const TITLE_HEIGHT = 26;
/** A wide level wraps into rows of this many nodes, so a 1000-task fan-out stays a viewable picture. */
const MAX_PER_ROW = 8;
const MAX_LABEL_CHARS = 22;

interface Placed {
  x: number;
  y: number;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Rows of names: each dependency level, wrapped at MAX_PER_ROW; a graph with a cycle is one level in file order. */
function rowsOf(nodes: readonly GraphNode[], planned: SvgOptions["levels"]): string[][] {
  const levels = planned ?? computeLevels(nodes) ?? [nodes.map((node) => node.name)];
  const rows: string[][] = [];
  for (const level of levels) for (let start = 0; start < level.length; start += MAX_PER_ROW) rows.push(level.slice(start, start + MAX_PER_ROW));
  return rows;
}

export function dagSvg(nodes: readonly GraphNode[], options: SvgOptions): string {
  const rows = rowsOf(nodes, options.levels);
  const columns = Math.max(1, ...rows.map((row) => row.length));
  const width = MARGIN * 2 + columns * NODE_WIDTH + (columns - 1) * GAP_X;
  const height = MARGIN * 2 + TITLE_HEIGHT + rows.length * NODE_HEIGHT + Math.max(0, rows.length - 1) * GAP_Y;
  const place = new Map<string, Placed>();
  rows.forEach((row, rowIndex) => {
    // Centred rows: a narrow level sits in the middle of a wide one.
    const offset = ((columns - row.length) * (NODE_WIDTH + GAP_X)) / 2;
    row.forEach((name, column) => {
      place.set(name, { x: MARGIN + offset + column * (NODE_WIDTH + GAP_X), y: MARGIN + TITLE_HEIGHT + rowIndex * (NODE_HEIGHT + GAP_Y) });
    });
  });
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="dag" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(options.title)}" font-family="Helvetica, Arial, sans-serif">`,
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="#868e96"/></marker></defs>`,
    `<text x="${MARGIN}" y="${MARGIN + 14}" font-size="14" font-weight="bold" fill="#212529">${escapeHtml(clip(options.title, 120))}</text>`,
    '<g class="edges" fill="none" stroke="#868e96" stroke-width="1.5">',
  ];
  for (const node of nodes) {
    const to = place.get(node.name);
    if (!to) continue;
    for (const dependency of node.dependsOn) {
      const from = place.get(dependency);
      if (!from) continue;
      const x1 = from.x + NODE_WIDTH / 2;
      const y1 = from.y + NODE_HEIGHT;
      const x2 = to.x + NODE_WIDTH / 2;
      const y2 = to.y;
      const bend = Math.max(GAP_Y / 2, (y2 - y1) / 2);
      parts.push(`<path d="M${x1} ${y1}C${x1} ${y1 + bend} ${x2} ${y2 - bend} ${x2} ${y2}" marker-end="url(#arrow)"/>`);
    }
  }
  parts.push("</g>");
  for (const node of nodes) {
    const at = place.get(node.name);
    if (at) parts.push(nodeSvg(node.name, at, options));
  }
  parts.push("</svg>");
  return parts.join("\n");
}

function nodeSvg(name: string, at: Placed, options: SvgOptions): string {
  const task = options.tasks?.get(name);
  const state = task?.state;
  const palette = state ? PALETTE[state] : { fill: "#ffffff", stroke: "#495057" };
  const detail = task ? taskStateLine(task) : undefined;
  const label = escapeHtml(clip(name, MAX_LABEL_CHARS));
  const tooltip = escapeHtml(detail ? `${name}: ${detail}` : name);
  const stateAttributes = state ? ` data-state="${state}"` : "";
  const dashed = state === "skipped" ? ' stroke-dasharray="5 3"' : "";
  const textY = detail ? at.y + 19 : at.y + NODE_HEIGHT / 2 + 5;
  const body = [
    `<title>${tooltip}</title>`,
    `<rect x="${at.x}" y="${at.y}" width="${NODE_WIDTH}" height="${NODE_HEIGHT}" rx="8" fill="${palette.fill}" stroke="${palette.stroke}" stroke-width="2"${dashed}/>`,
    `<text x="${at.x + NODE_WIDTH / 2}" y="${textY}" text-anchor="middle" font-size="13" fill="#212529">${label}</text>`,
    detail ? `<text x="${at.x + NODE_WIDTH / 2}" y="${at.y + 36}" text-anchor="middle" font-size="11" fill="#495057">${escapeHtml(clip(detail, 28))}</text>` : "",
  ].join("");
  const group = `<g class="node${state ? ` state-${state}` : ""}" data-task="${escapeHtml(name)}"${stateAttributes}>${body}</g>`;
  return options.href ? `<a href="${escapeHtml(options.href(name))}">${group}</a>` : group;
}
