/** The page shell shared by every page: one stylesheet and one script from this origin, nothing inline. */
import { html, type SafeHtml } from "../html.ts";

export const ASSET_CSS = "/assets/dashboard.css";
export const ASSET_JS = "/assets/dashboard.js";

export interface PageOptions {
  title: string;
  body: SafeHtml;
  /** Server-sent events the script listens to, to refresh `main` while something runs. */
  liveEvents?: string | undefined;
}

export function page(options: PageOptions): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · PicoFlow</title>
<link rel="stylesheet" href="${ASSET_CSS}">
<script src="${ASSET_JS}" defer></script>
</head>
<body>
<header><a class="brand" href="/">PicoFlow</a></header>
<main id="main"${options.liveEvents ? html` data-events="${options.liveEvents}"` : ""}>
${options.body}
</main>
</body>
</html>
`.value;
}
