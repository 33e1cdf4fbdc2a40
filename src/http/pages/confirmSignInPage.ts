import { html, safeUrl } from "./html.ts"
import { layout } from "./layout.ts"
import type { Theme } from "./Theme.ts"

export interface ConfirmSignInView {
  readonly theme: Theme
  /** The normalised address the link signs in as: the reader checks that it is theirs. */
  readonly email: string
  /** The site's URL; its host is named, as on the "check your email" page. */
  readonly url: string
  /** Where the button posts: `POST /callback/:provider` of the e-mail provider. */
  readonly action: string
  /** The link's token, handed on unread; only the POST spends it. */
  readonly token: string
  readonly callbackUrl: string
  readonly csrfToken: string
}

const hostOf = (url: string): string | null => (URL.canParse(url) ? new URL(url).host : null)

/**
 * What a magic link opens when the e-mail provider has `confirmByPost`: the address it signs in as and one
 * button. Following the link changes nothing (a mail scanner that fetches it spends no token); the button's
 * POST carries the link's fields and a CSRF token, and only that signs in.
 */
export const confirmSignInPage = (view: ConfirmSignInView): string => {
  const host = hostOf(view.url)
  return layout({
    theme: view.theme,
    title: "Sign in",
    body: html`<h1>Sign in</h1>
<p>Sign in${host !== null && html` to <strong>${host}</strong>`} as <strong>${view.email}</strong>?</p>
<form method="post" action="${safeUrl(view.action) ?? "#"}"><input type="hidden" name="csrfToken" value="${view.csrfToken}"><input type="hidden" name="token" value="${view.token}"><input type="hidden" name="email" value="${view.email}">${
      view.callbackUrl !== "" && html`<input type="hidden" name="callbackUrl" value="${view.callbackUrl}">`
    }
<button class="button primary" type="submit">Sign in</button>
</form>
<p class="muted actions">If you did not ask to sign in, close this page: nothing happens until you press the button.</p>`
  })
}
