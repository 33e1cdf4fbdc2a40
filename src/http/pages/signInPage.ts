import type { CredentialsField } from "../../domain/Provider.ts"
import { html, raw, safeUrl } from "./html.ts"
import { passkeySignInScript } from "./passkeySignInScript.ts"
import type { Html } from "./html.ts"
import { layout } from "./layout.ts"
import type { Theme } from "./Theme.ts"

export interface SignInProviderView {
  readonly id: string
  readonly name: string
  readonly type: "oauth" | "oidc" | "email" | "credentials" | "webauthn"
  readonly signinUrl: string
  readonly callbackUrl: string
  /** Credentials providers: the form's fields by name, shown in this order; without them the provider is not shown. */
  readonly fields?: Readonly<Record<string, CredentialsField>>
  /** Passkey providers: where the page's script fetches a sign-in challenge. */
  readonly optionsUrl?: string
}

export interface SignInView {
  readonly theme: Theme
  readonly csrfToken: string
  readonly callbackUrl: string
  /** An Auth.js `?error=` code, or null. Any string may arrive here: it comes from the query. */
  readonly error: string | null
  readonly providers: ReadonlyArray<SignInProviderView>
  /** Prefills the e-mail field, e.g. after a failed attempt. */
  readonly emailValue?: string
}

const tryAnotherAccount = "Signing in with that account did not work. Try again, or sign in with a different account."
const sameAccount = "To confirm your identity, sign in with the same account you used originally."

// Auth.js's wording (lib/pages/signin.tsx), plus the codes it sends here without a message of its own.
// A Map, not an object literal, so a code like "constructor" or "__proto__" finds nothing.
const messages: ReadonlyMap<string, string> = new Map([
  ["OAuthAccountNotLinked", sameAccount],
  ["AccountNotLinked", sameAccount],
  ["OAuthCallbackError", tryAnotherAccount],
  ["OAuthSignin", tryAnotherAccount],
  ["OAuthCreateAccount", tryAnotherAccount],
  ["EmailCreateAccount", tryAnotherAccount],
  ["Callback", tryAnotherAccount],
  ["Signin", tryAnotherAccount],
  ["EmailSignin", "The e-mail could not be sent. Check the address and try again."],
  ["CredentialsSignin", "Sign in failed. Check the details you provided are correct."],
  ["SessionRequired", "Please sign in to access this page."],
  ["MissingCSRF", "The sign-in form had expired. Please try again."],
  ["TwoFactorPendingInvalid", "The two-factor step expired or was already used. Please sign in again."],
  ["Verification", "The sign-in link is no longer valid. It may have been used already or it may have expired."],
  ["AccessDenied", "You do not have permission to sign in."],
  ["Configuration", "There is a problem with the server configuration. Please try again later."]
])

export const genericSignInMessage = "Unable to sign in."

/** The message for a code; an unknown code gets the generic one, never its own text. */
export const signInErrorMessage = (code: string): string => messages.get(code) ?? genericSignInMessage

type Group =
  | { readonly _tag: "OAuth"; readonly providers: ReadonlyArray<Indexed> }
  | { readonly _tag: "Form"; readonly provider: Indexed }

interface Indexed {
  readonly index: number
  readonly provider: SignInProviderView
}

// Consecutive OAuth buttons form one group; each e-mail or credentials form is a group of its own,
// so the "or" separator falls between ways of signing in rather than between buttons.
const groupsOf = (providers: ReadonlyArray<SignInProviderView>): ReadonlyArray<Group> => {
  const groups: Array<Group> = []
  let oauth: Array<Indexed> = []
  providers.forEach((provider, index) => {
    if (provider.type === "oauth" || provider.type === "oidc") {
      oauth.push({ index, provider })
      return
    }
    if (provider.type === "credentials" && provider.fields === undefined) return
    if (oauth.length > 0) groups.push({ _tag: "OAuth", providers: oauth })
    oauth = []
    groups.push({ _tag: "Form", provider: { index, provider } })
  })
  if (oauth.length > 0) groups.push({ _tag: "OAuth", providers: oauth })
  return groups
}

// A refused URL leaves the form posting to this page, which only shows the page again.
const action = (url: string): string => safeUrl(url) ?? "#"

// An empty callbackUrl is left out, as Auth.js does, so the server falls back to its cookie or base URL.
const hiddenFields = (view: SignInView): Html =>
  html`<input type="hidden" name="csrfToken" value="${view.csrfToken}">${
    view.callbackUrl !== "" && html`<input type="hidden" name="callbackUrl" value="${view.callbackUrl}">`
  }`

const oauthButtons = (view: SignInView, providers: ReadonlyArray<Indexed>): Html =>
  html`<div class="providers">${
    providers.map(({ provider }) =>
      html`
<form method="post" action="${action(provider.signinUrl)}">${hiddenFields(view)}<button class="button" type="submit">Sign in with ${provider.name}</button></form>`
    )
  }
</div>`

const emailForm = (view: SignInView, { index, provider }: Indexed): Html => {
  // Ids come from positions, not from configured names, so they are unique and free of spaces
  // whatever the provider ids and field names are.
  const id = `signin-${index}-email`
  return html`<form method="post" action="${action(provider.signinUrl)}">${hiddenFields(view)}
<div class="field"><label for="${id}">Email</label><input id="${id}" type="email" name="email" autocomplete="email" autocapitalize="none" spellcheck="false" required placeholder="email@example.com"${
    view.emailValue !== undefined && html` value="${view.emailValue}"`
  }></div>
<button class="button primary" type="submit">Sign in with ${provider.name}</button>
</form>`
}

const usernameName = /^(?:user(?:name)?|login)$/i

// Password managers key a saved password to the field marked `username`; in a form that pairs an
// e-mail with a password and has no username field, the e-mail is that field.
const autocompleteOf = (
  name: string,
  field: CredentialsField,
  fields: ReadonlyArray<readonly [string, CredentialsField]>
): string | null => {
  if (field.type === "password") return "current-password"
  if (usernameName.test(name)) return "username"
  if (field.type !== "email") return null
  const pairedWithPassword = fields.some(([, f]) => f.type === "password")
  const hasUsername = fields.some(([n]) => usernameName.test(n))
  return pairedWithPassword && !hasUsername ? "username" : "email"
}

const credentialsForm = (view: SignInView, { index, provider }: Indexed): Html => {
  const fields = Object.entries(provider.fields ?? {})
  return html`<form method="post" action="${action(provider.callbackUrl)}">${hiddenFields(view)}${
    fields.map(([name, field], position) => {
      const id = `signin-${index}-${position}`
      const autocomplete = autocompleteOf(name, field, fields)
      const identifier = autocomplete === "username" || autocomplete === "email"
      return html`
<div class="field"><label for="${id}">${field.label}</label><input id="${id}" type="${field.type}" name="${name}"${
        autocomplete !== null && html` autocomplete="${autocomplete}"`
      }${identifier && html` autocapitalize="none" spellcheck="false"`}></div>`
    })
  }
<button class="button primary" type="submit">Sign in with ${provider.name}</button>
</form>`
}

/**
 * A passkey button: hidden until the page's one script (passkeySignInScript.ts) finds WebAuthn, which then fills
 * `data` with the browser's answer and posts the form (Auth.js's `{action, data, csrfToken, callbackUrl}`).
 */
const passkeyForm = (view: SignInView, { provider }: Indexed): Html =>
  html`<form id="passkey-signin" method="post" action="${action(provider.callbackUrl)}" data-options="${action(provider.optionsUrl ?? "")}" hidden>${hiddenFields(view)}<input type="hidden" name="action" value="authenticate"><input type="hidden" name="data" value="">
<button class="button primary" type="submit">Sign in with ${provider.name}</button>
<p id="passkey-signin-status" role="status"></p>
</form>
<script>${raw(passkeySignInScript)}</script>`

const groupHtml = (view: SignInView, group: Group): Html => {
  switch (group._tag) {
    case "OAuth":
      return oauthButtons(view, group.providers)
    case "Form":
      return group.provider.provider.type === "email"
        ? emailForm(view, group.provider)
        : group.provider.provider.type === "webauthn"
        ? passkeyForm(view, group.provider)
        : credentialsForm(view, group.provider)
  }
}

const separator = html`<p class="separator">or</p>`

/** The built-in sign-in page: forms in the order the providers are given, an alert for `error`. */
export const signInPage = (view: SignInView): string => {
  const groups = groupsOf(view.providers)
  const error = view.error === null || view.error === "" ? null : signInErrorMessage(view.error)
  return layout({
    theme: view.theme,
    title: "Sign in",
    body: html`<h1>Sign in</h1>
${error !== null && html`<div class="alert" role="alert"><p>${error}</p></div>`}
${
      groups.length === 0
        ? html`<p class="muted">No way of signing in is configured.</p>`
        : groups.map((group, i) => html`${i > 0 && html`${separator}\n`}${groupHtml(view, group)}\n`)
    }`
  })
}
