/**
 * HTML built from strings that are escaped unless they are already `SafeHtml`: every value
 * from a workflow, a task's output or a log goes through `html` and cannot become markup.
 */

/** Markup produced by `html` (or a trusted constant); never built from outside text directly. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** Text safe in element content and in quoted attribute values (HTML and SVG alike): & < > " ' escaped (Bun's native escaper, many times faster than a regex). */
export function escapeHtml(text: string): string {
  return Bun.escapeHTML(text);
}

export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return "";
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join("");
  return escapeHtml(String(value));
}

/** Tagged template: the literal parts are markup, every interpolated value is escaped (arrays joined). */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? "";
  for (let index = 0; index < values.length; index++) out += render(values[index] as HtmlValue) + (strings[index + 1] ?? "");
  return new SafeHtml(out);
}

/** Marks a string built elsewhere as markup; only for output of this module's own renderers. */
export function trusted(markup: string): SafeHtml {
  return new SafeHtml(markup);
}
