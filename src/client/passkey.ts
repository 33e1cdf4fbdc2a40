/**
 * `authfx/client/passkey`: passkeys in the browser, over the server's passkey provider (and Auth.js's endpoints:
 * `GET /webauthn-options/:provider`, `POST /callback/:provider`). Its own entry because it carries
 * `@simplewebauthn/browser`; `authfx/client` stays without dependencies.
 *
 * - `registerPasskey()` (signed in): creates a passkey on this device for the signed-in user;
 * - `signInWithPasskey()`: the browser offers the passkeys it holds for this site (nothing is typed);
 * - `passkeyAutofill()`: the same through the browser's autofill (conditional UI) on an
 *   `<input autocomplete="username webauthn">`; it waits until the user picks a passkey, and a
 *   `signInWithPasskey()` started meanwhile takes over from it;
 * - `listPasskeys()`, `removePasskey(credentialID)` (signed in).
 */
import {
  browserSupportsWebAuthn,
  browserSupportsWebAuthnAutofill,
  startAuthentication,
  startRegistration
} from "@simplewebauthn/browser"
import type { AuthClient, SignInResult } from "./AuthClient.ts"

export interface PasskeyOptions {
  /** Where the auth routes are mounted (default `/auth`). */
  readonly basePath?: string | undefined
  /** Their origin, when not this page's. */
  readonly origin?: string | undefined
  /** The passkey provider's id (default `passkey`). */
  readonly provider?: string | undefined
  /** Where to go afterwards (default: this page). */
  readonly callbackUrl?: string | undefined
  /** false: stay on the page and get a `SignInResult` (true: go where the server says, as a form would). */
  readonly redirect?: boolean | undefined
  /** A client whose session store should learn of the sign-in (`redirect: false`). */
  readonly client?: AuthClient | undefined
}

/** A passkey of the signed-in user, as `GET /passkeys/:provider` lists it (never a key). */
export interface Passkey {
  readonly credentialID: string
  readonly credentialDeviceType: string
  readonly credentialBackedUp: boolean
  readonly transports: string | null
}

const base = (options: PasskeyOptions) => (options.origin ?? "") + (options.basePath ?? "/auth")
const providerOf = (options: PasskeyOptions) => encodeURIComponent(options.provider ?? "passkey")

const get = async (options: PasskeyOptions, path: string) => {
  const response = await fetch(base(options) + path, { credentials: "include" })
  return { ok: response.ok, status: response.status, body: (await response.json()) as unknown }
}

const post = async (options: PasskeyOptions, path: string, fields: Record<string, string>) => {
  const csrf = (await get(options, "/csrf")).body as { readonly csrfToken: string }
  const response = await fetch(base(options) + path, {
    method: "POST",
    credentials: "include",
    headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Auth-Return-Redirect": "1" },
    body: new URLSearchParams({ ...fields, csrfToken: csrf.csrfToken })
  })
  return { ok: response.ok, status: response.status, body: (await response.json()) as unknown }
}

const refused = (status: number, error: string): SignInResult => ({ ok: false, status, error, code: undefined, url: null })

/**
 * One ceremony: the options (and this browser's challenge cookie), the browser's dialog, the answer. A dialog the
 * user closes, or that another ceremony replaced, is `error` with the browser's name for it (`NotAllowedError`,
 * `AbortError`), nothing posted.
 */
const ceremony = async (action: "register" | "authenticate", options: PasskeyOptions, autofill: boolean) => {
  const { callbackUrl = location.href, redirect = true } = options
  const asked = await get(options, `/webauthn-options/${providerOf(options)}?action=${action}`)
  if (!asked.ok) return refused(asked.status, (asked.body as { readonly error?: string } | null)?.error ?? "WebAuthnVerificationError")
  const optionsJSON = (asked.body as { readonly options: never }).options
  let credential
  try {
    credential = action == "register"
      ? await startRegistration({ optionsJSON })
      : await startAuthentication({ optionsJSON, useBrowserAutofill: autofill })
  } catch (error) {
    return refused(0, (error as { readonly name?: string }).name ?? "Error")
  }
  const answer = await post(options, `/callback/${providerOf(options)}`, { action, data: JSON.stringify(credential), callbackUrl })
  const to = (answer.body as { readonly url?: string } | null)?.url ?? callbackUrl
  const error = new URL(to, location.href).searchParams.get("error") ?? undefined
  if (redirect && !error) {
    location.href = to
    return undefined
  }
  if (!error && action == "authenticate") await options.client?.getSession()
  const result: SignInResult = { ok: answer.ok, status: answer.status, error, code: undefined, url: error ? null : to }
  return result
}

/** Creates a passkey for the signed-in user on this device (or a phone, a security key). */
export const registerPasskey = (options: PasskeyOptions = {}) => ceremony("register", options, false)

/** Signs in with a passkey the browser holds for this site; no username. */
export const signInWithPasskey = (options: PasskeyOptions = {}) => ceremony("authenticate", options, false)

/**
 * Conditional UI: offers this site's passkeys in the autofill of an `<input autocomplete="username webauthn">`
 * and signs in with the one picked. Resolves `undefined` at once where the browser has no such autofill.
 */
export const passkeyAutofill = async (options: PasskeyOptions = {}) =>
  (await browserSupportsWebAuthnAutofill()) ? ceremony("authenticate", options, true) : undefined

/** The signed-in user's passkeys; null when signed out. */
export const listPasskeys = async (options: PasskeyOptions = {}): Promise<ReadonlyArray<Passkey> | null> => {
  const answer = await get(options, `/passkeys/${providerOf(options)}`)
  return answer.ok ? (answer.body as ReadonlyArray<Passkey>) : null
}

/**
 * Removes one of the signed-in user's passkeys. `error` is the server's (`LastSignInMethod`: it is their last
 * way in). `sessionEnded`: this browser was signed in with a passkey, and that session is over.
 */
export const removePasskey = async (credentialID: string, options: PasskeyOptions = {}) => {
  const answer = await post(options, `/passkeys/${providerOf(options)}/remove`, { credentialID })
  const body = answer.body as { readonly error?: string; readonly sessionEnded?: boolean } | null
  return { ok: answer.ok, error: answer.ok ? undefined : body?.error ?? String(answer.status), sessionEnded: body?.sessionEnded === true }
}

export { browserSupportsWebAuthn }
