import { Schema } from "effect"
import { UserId } from "./User.ts"

/**
 * A passkey's credential as Auth.js's experimental WebAuthn keeps it (its `Authenticator` record), so an
 * Auth.js database with passkeys carries over: ids and the public key in standard base64 (not base64url),
 * transports comma-separated. Its account is a provider account of type "webauthn" whose
 * `providerAccountId` is the credential id — one account per passkey.
 */
export const Authenticator = Schema.Struct({
  /** The credential id, standard base64 (Auth.js's `toBase64`). */
  credentialID: Schema.NonEmptyString,
  userId: UserId,
  /** The webauthn account this passkey signs in with (the credential id again, as Auth.js writes it). */
  providerAccountId: Schema.NonEmptyString,
  /** The COSE public key, standard base64. */
  credentialPublicKey: Schema.NonEmptyString,
  /** The signature counter last seen (0 for authenticators that keep none). */
  counter: Schema.Number,
  /** "singleDevice" or "multiDevice" (a synced passkey). */
  credentialDeviceType: Schema.String,
  credentialBackedUp: Schema.Boolean,
  /** Comma-separated transports ("internal,hybrid"), or null. */
  transports: Schema.NullOr(Schema.String)
})
export type Authenticator = typeof Authenticator.Type

/** Auth.js writes credential ids and keys as standard base64; browsers send base64url. */
export const base64FromBase64Url = (value: string): string => {
  const standard = value.replaceAll("-", "+").replaceAll("_", "/")
  return standard + "=".repeat((4 - (standard.length % 4)) % 4)
}

export const base64UrlFromBase64 = (value: string): string =>
  value.replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "")
