/** The login form and the short pages for errors. */
import { html } from "../html.ts";
import { page } from "./layout.ts";

export function renderLogin(next: string, wrong: boolean): string {
  const body = html`<h1>Log in</h1>
<p>This dashboard needs its token (<code>[dashboard] token</code> or <code>PICOFLOW_DASHBOARD_TOKEN</code>).</p>
${wrong ? html`<p class="error" role="alert">That token is not right.</p>` : ""}
<form class="login" method="post" action="/login">
<input type="hidden" name="next" value="${next}">
<label>Token <input type="password" name="token" autocomplete="current-password" required autofocus></label>
<button class="button" type="submit">Log in</button>
</form>`;
  return page({ title: "Log in", body });
}

export function renderMessage(title: string, message: string): string {
  return page({ title, body: html`<h1>${title}</h1><p>${message}</p><p><a href="/">Back to the overview</a></p>` });
}
