import { type Html, html } from "../http/pages/html.ts"

/** What the home page shows of a session: the server's `SessionView` and the client's `Session` both fit. */
export interface ShownSession {
  readonly user?: { readonly name?: string | null; readonly email?: string | null } | undefined
  readonly expires: string
}

/**
 * The part of the home page that depends on the session: rendered by the server, and again in the browser
 * by the live client (src/demo/browser/liveSession.ts) when the session changes, so both show the same.
 */
export const sessionMarkup = (session: ShownSession | null, basePath: string): Html =>
  session === null
    ? html`<p>You are not signed in.</p>
<p><a class="button primary" href="${basePath}/signin?callbackUrl=%2F">Sign in</a></p>`
    : html`<p>Signed in as <strong id="session-email">${session.user?.email ?? session.user?.name ?? "someone"}</strong>.</p>
<pre id="session-json">${JSON.stringify(session, null, 2)}</pre>
<p><a class="button" href="${basePath}/signout?callbackUrl=%2F">Sign out</a></p>`
