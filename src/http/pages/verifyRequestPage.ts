import { html } from "./html.ts"
import { layout } from "./layout.ts"
import type { Theme } from "./Theme.ts"

export interface VerifyRequestView {
  readonly theme: Theme
  /** The site's URL; its host is named so the reader can match it against the mail. */
  readonly url: string
  /** The address the link went to, when the caller chooses to show it. */
  readonly email?: string
}

const siteOf = (url: string): { readonly origin: string; readonly host: string } | null => {
  if (!URL.canParse(url)) return null
  const parsed = new URL(url)
  return parsed.protocol === "https:" || parsed.protocol === "http:"
    ? { origin: parsed.origin, host: parsed.host }
    : null
}

/** The page after an e-mail sign-in was requested. */
export const verifyRequestPage = (view: VerifyRequestView): string => {
  const site = siteOf(view.url)
  return layout({
    theme: view.theme,
    title: "Check your email",
    body: html`<h1>Check your email</h1>
<p>${
      view.email !== undefined && view.email !== ""
        ? html`A sign-in link has been sent to <strong>${view.email}</strong>.`
        : "A sign-in link has been sent to your email address."
    }</p>
<p class="muted">Open the link in that email to sign in${
      site !== null && html` to <a href="${site.origin}">${site.host}</a>`
    }. You can close this page.</p>`
  })
}
