import type { SessionView } from "../domain/Session.ts"
import { html } from "../http/pages/html.ts"
import { layout } from "../http/pages/layout.ts"
import { sessionMarkup } from "./sessionMarkup.ts"

/** Where the demo serves its bundled browser script (src/demo/browser/liveSession.ts and authfx/client). */
export const liveScriptPath = "/demo-live-session.js"

/**
 * The demo's home page: who is signed in, and the way in or out. Rendered complete on the server (it works
 * without JavaScript); with it, the authfx client keeps it live — a sign-in, sign-out or update in another
 * tab, or a session that ended while the tab was in the background, shows without a reload.
 */
export const homePage = (session: SessionView | null, basePath: string, passkeyProvider: string | null): string =>
  layout({
    theme: {},
    title: "authfx demo",
    body: html`<script type="module" src="${liveScriptPath}" data-base-path="${basePath}" data-session="${JSON.stringify(session)}"${
      passkeyProvider !== null && html` data-passkey-provider="${passkeyProvider}"`
    }></script>
<h1>authfx demo</h1>
${sessionMarkup(session, basePath, passkeyProvider !== null)}`
  })
