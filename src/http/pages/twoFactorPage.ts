import { html, safeUrl } from "./html.ts"
import { layout } from "./layout.ts"
import type { Theme } from "./Theme.ts"

export interface TwoFactorView {
  readonly theme: Theme
  /** Where the form posts: `POST /two-factor`. */
  readonly action: string
  readonly csrfToken: string
  /** The error code from `?error=`, or null. */
  readonly error: string | null
  /** Days "trust this device" lasts; 0: the option is not offered. */
  readonly trustDeviceDays: number
  /** Enrolment the application requires first: the secret to add to an authenticator app, shown once. */
  readonly enrol: { readonly secret: string; readonly uri: string } | null
}

const messages: ReadonlyMap<string, string> = new Map([
  ["TwoFactorCodeInvalid", "That code did not work. Codes can be used once; wait for the next one and try again."]
])

/**
 * The built-in second-factor page, between the first factor and the session: a code from the authenticator
 * app or a backup code, with "trust this device". When the application requires two-factor of a user who has
 * none, it shows the new secret first (as an `otpauth://` link and in base32) and takes the first code.
 */
export const twoFactorPage = (view: TwoFactorView): string => {
  const error = view.error === null ? null : messages.get(view.error) ?? "Unable to sign in."
  return layout({
    theme: view.theme,
    title: "Two-factor sign-in",
    body: html`<h1>Two-factor sign-in</h1>
${error !== null && html`<div class="alert" role="alert"><p>${error}</p></div>`}
${
      view.enrol === null
        ? html`<p>Enter the 6-digit code from your authenticator app, or one of your backup codes.</p>`
        : html`<p>This account needs two-factor sign-in. Add it to your authenticator app, then enter the code it shows.</p>
<p><a href="${safeUrl(view.enrol.uri) ?? "#"}" id="otpauth-uri">Open in an authenticator app</a></p>
<p>Or type this key: <code id="totp-secret">${view.enrol.secret}</code></p>`
    }
<form method="post" action="${safeUrl(view.action) ?? "#"}"><input type="hidden" name="csrfToken" value="${view.csrfToken}">
<div class="field"><label for="two-factor-code">Code</label><input id="two-factor-code" name="code" inputmode="numeric" autocomplete="one-time-code" autocapitalize="none" spellcheck="false" required autofocus></div>
${
      view.trustDeviceDays > 0 &&
      html`<label class="check"><input type="checkbox" name="trustDevice" value="true"> Trust this device for ${view.trustDeviceDays} days</label>`
    }
<button class="button primary" type="submit">Continue</button>
</form>`
  })
}

export interface BackupCodesView {
  readonly theme: Theme
  readonly codes: ReadonlyArray<string>
  readonly continueUrl: string
}

/** The backup codes of a new enrolment, shown once. */
export const backupCodesPage = (view: BackupCodesView): string =>
  layout({
    theme: view.theme,
    title: "Backup codes",
    body: html`<h1>Two-factor sign-in is on</h1>
<p>Keep these backup codes somewhere safe. Each one signs you in once without your authenticator app; they are not shown again.</p>
<ul id="backup-codes">${view.codes.map((code) => html`<li><code>${code}</code></li>`)}</ul>
<p><a class="button primary" href="${safeUrl(view.continueUrl) ?? "#"}">Continue</a></p>`
  })
