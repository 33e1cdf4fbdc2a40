import { html, safeUrl } from "./html.ts"
import { layout } from "./layout.ts"
import type { Theme } from "./Theme.ts"

export interface SignOutView {
  readonly theme: Theme
  readonly csrfToken: string
  readonly callbackUrl: string
  /** Where the form posts: the `POST /signout` endpoint. */
  readonly signOutUrl: string
}

/** The built-in sign-out page: one confirming form, since signing out is a state change behind CSRF. */
export const signOutPage = (view: SignOutView): string =>
  layout({
    theme: view.theme,
    title: "Sign out",
    body: html`<h1>Sign out</h1>
<p class="muted">Are you sure you want to sign out?</p>
<form method="post" action="${safeUrl(view.signOutUrl) ?? "#"}"><input type="hidden" name="csrfToken" value="${view.csrfToken}">${
      view.callbackUrl !== "" && html`<input type="hidden" name="callbackUrl" value="${view.callbackUrl}">`
    }
<button class="button primary" type="submit">Sign out</button>
</form>`
  })
