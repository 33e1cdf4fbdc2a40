/**
 * One OAuth token sealed at rest, as a string a store keeps in the token's own column:
 *
 *   authfx.sealed.v1.<kid>.<base64url(iv ‖ ciphertext ‖ tag)>
 *
 * AES-256-GCM under a `tokens` key of the KeyStore (the 12-byte IV, ciphertext and 16-byte tag laid out as
 * adapters/keyring/aesGcm.ts lays them out), with associated data naming the version, the account
 * (provider and provider's id) and the field: a sealed value copied to another account's row, or to another
 * field of the same row, does not open. The kid says which key sealed it; it is a hint, not a trust anchor (a
 * kid the store does not know is answered by trying its verification keys, and GCM's tag tells which one fits).
 * This is a persisted format: changing the prefix, the layout or the associated data leaves stored tokens
 * unreadable, so a change is a new version beside this one.
 */
import { Result } from "effect"
import { Base64Url } from "effect/encoding"
import type { AccountKey } from "../../domain/Account.ts"
import { aesGcmOpen, aesGcmSeal } from "../keyring/aesGcm.ts"

export const sealedPrefix = "authfx.sealed.v1."

/** The token fields that are sealed, by their names in the domain's `Account`. */
export type SecretField = "accessToken" | "refreshToken" | "idToken"
export const secretFields: ReadonlyArray<SecretField> = ["accessToken", "refreshToken", "idToken"]

/**
 * A field sealed under `tokens` keys: an account's token, or a user's TOTP secret (bound to the pseudo-account
 * `authfx:two-factor` / user id, a provider id no configuration can have: ids are `[a-z0-9_-]`).
 */
export type SealedField = SecretField | "totpSecret"

/** Where a sealed value belongs: it opens only there. */
export interface Binding {
  readonly account: AccountKey
  readonly field: SealedField
}

/** What a stored value is: plain text (written before sealing), sealed (parsed), or sealed but not parseable. */
export type StoredValue =
  | { readonly _tag: "Plain" }
  | { readonly _tag: "Sealed"; readonly kid: string; readonly payload: Uint8Array }
  | { readonly _tag: "Malformed" }

const encoder = new TextEncoder()
const decoder = new TextDecoder("utf-8", { fatal: true })

// JSON of an array: unambiguous whatever characters the provider's account id holds.
const associatedData = (binding: Binding) =>
  encoder.encode(JSON.stringify([sealedPrefix, binding.account.provider, binding.account.providerAccountId, binding.field]))

/** Seals `plaintext` for `binding` under the 32-byte key `kid` names. */
export const sealValue = (kid: string, key: Uint8Array, binding: Binding, plaintext: string): string =>
  `${sealedPrefix}${kid}.${Base64Url.encode(aesGcmSeal(key, associatedData(binding), encoder.encode(plaintext)))}`

/**
 * Reads a stored value's shape. Anything without the prefix is plain text: every token a store held before
 * sealing (no provider hands out a token that begins with it). The payload never holds a `.`, so the kid
 * is everything before the last one.
 */
export const parseStored = (stored: string): StoredValue => {
  if (!stored.startsWith(sealedPrefix)) return { _tag: "Plain" }
  const rest = stored.slice(sealedPrefix.length)
  const dot = rest.lastIndexOf(".")
  if (dot <= 0) return { _tag: "Malformed" }
  const payload = Base64Url.decode(rest.slice(dot + 1))
  return Result.isSuccess(payload)
    ? { _tag: "Sealed", kid: rest.slice(0, dot), payload: payload.success }
    : { _tag: "Malformed" }
}

/** The token, or undefined when `key` did not seal it for `binding` (another key, row or field, or tampering). */
export const openValue = (key: Uint8Array, binding: Binding, payload: Uint8Array): string | undefined => {
  const opened = aesGcmOpen(key, associatedData(binding), payload)
  if (opened === undefined) return undefined
  try {
    return decoder.decode(opened)
  } catch {
    return undefined
  }
}
