import type { SessionView } from "../domain/Session.ts"
import { html, raw } from "../http/pages/html.ts"
import { layout } from "../http/pages/layout.ts"

/** The demo's home page: who is signed in, and the way in or out. */
export const homePage = (session: SessionView | null, basePath: string): string =>
  layout({
    theme: {},
    title: "authfx demo",
    body: html`<h1>authfx demo</h1>
${
      session === null
        ? html`<p>You are not signed in.</p>
<p><a class="button primary" href="${basePath}/signin?callbackUrl=%2F">Sign in</a></p>`
        : html`<p>Signed in as <strong id="session-email">${session.user.email ?? session.user.name ?? "someone"}</strong>.</p>
<pre id="session-json">${JSON.stringify(session, null, 2)}</pre>
<p><a class="button" href="${basePath}/signout?callbackUrl=%2F">Sign out</a></p>`
    }
${raw("")}`
  })
