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
export const sessionMarkup = (session: ShownSession | null, basePath: string, passkeys: boolean): Html =>
  session === null
    ? html`<p>You are not signed in.</p>
<p><a class="button primary" href="${basePath}/signin?callbackUrl=%2F">Sign in</a>${
      passkeys && html` <button class="button" type="button" id="passkey-signin">Sign in with a passkey</button>`
    }</p>${passkeys && html`
<p id="passkey-status" role="status"></p>`}`
    : html`<p>Signed in as <strong id="session-email">${session.user?.email ?? session.user?.name ?? "someone"}</strong>.</p>
<pre id="session-json">${JSON.stringify(session, null, 2)}</pre>
${passkeys && passkeyMarkup}
<p><a class="button" href="${basePath}/signout?callbackUrl=%2F">Sign out</a></p>`

/**
 * The signed-in user's passkeys: the page's script (liveSession.ts) lists them when asked (so a session change
 * heard from another tab costs no request) and after each change, and runs the buttons.
 */
const passkeyMarkup = html`<section id="passkeys" aria-labelledby="passkeys-title">
<h2 id="passkeys-title">Passkeys</h2>
<ul id="passkey-list"></ul>
<p><button class="button" type="button" id="passkey-show">Show my passkeys</button> <button class="button" type="button" id="passkey-add">Add a passkey</button></p>
<p id="passkey-status" role="status"></p>
</section>`
