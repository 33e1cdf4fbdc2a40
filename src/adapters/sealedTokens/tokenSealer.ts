/**
 * Seals and opens an account's three secrets with the KeyStore's `tokens` keys, and says what a read found:
 * whether any value should be sealed again (plain text, or sealed under a key that is no longer current) and
 * which could not be opened at all.
 */
import { Effect, Option, Redacted } from "effect"
import type { AccountKey } from "../../domain/Account.ts"
import { type Key, type KeyStore, KeyStoreUnavailable, type SecretKey } from "../../ports/KeyStore.ts"
import type { TokenSecrets } from "../../ports/Users.ts"
import {
  type Binding,
  openValue,
  parseStored,
  type SealedField,
  type SecretField,
  secretFields,
  sealValue
} from "./sealedValue.ts"

/** What one read of an account's stored secrets found. */
export interface Opened {
  /** The tokens as the domain sees them; a value no key opens is null. */
  readonly secrets: TokenSecrets
  /** The fields to seal again: stored in plain text, or under a key that is not the current one. */
  readonly stale: ReadonlyArray<SecretField>
  /** The fields whose stored value no verification key opens (its key retired, or its secret dropped). */
  readonly unreadable: ReadonlyArray<SecretField>
}

/** AES-256 takes 32 bytes; a `tokens` key is always a 32-byte secret key (keySpec.ts), and anything else is skipped. */
const usable = (key: Key): key is SecretKey => key._tag === "SecretKey" && Redacted.value(key.secret).length === 32

const noCurrentKey = new KeyStoreUnavailable({ message: "the KeyStore's current tokens key is not a 32-byte secret key" })

export const makeTokenSealer = (keys: KeyStore["Service"]) => {
  // Asked anew on every use: the current key changes with a rotation.
  const currentKey = Effect.flatMap(
    Effect.suspend(() => keys.current("tokens")),
    (key) => usable(key) ? Effect.succeed(key) : Effect.fail(noCurrentKey)
  )

  /** The secrets as they are to be stored: each one sealed for its field of `account` under the current key. */
  const sealTokens = (account: AccountKey, secrets: TokenSecrets) =>
    Effect.map(currentKey, (key): TokenSecrets => {
      const bytes = Redacted.value(key.secret)
      const sealed = (field: SecretField) => {
        const value = secrets[field]
        return value === null ? null : Redacted.make(sealValue(key.kid, bytes, { account, field }, Redacted.value(value)))
      }
      return { accessToken: sealed("accessToken"), refreshToken: sealed("refreshToken"), idToken: sealed("idToken") }
    })

  /**
   * The key that opens a sealed value: the one its kid names if that fits, else whichever verification key does
   * (kids of keys derived from the secret need not survive a restart; GCM's tag tells the right key apart).
   */
  const openSealed = (account: AccountKey, field: SealedField, kid: string, payload: Uint8Array) =>
    Effect.gen(function*() {
      const named = Option.filter(yield* keys.find("tokens", kid), usable)
      const tried = Option.getOrUndefined(named)
      const first = tried === undefined ? undefined : openValue(Redacted.value(tried.secret), { account, field }, payload)
      if (first !== undefined && tried !== undefined) return { plaintext: first, key: tried }
      for (const key of yield* keys.verificationKeys("tokens")) {
        if (!usable(key) || key.kid === tried?.kid) continue
        const plaintext = openValue(Redacted.value(key.secret), { account, field }, payload)
        if (plaintext !== undefined) return { plaintext, key }
      }
      return undefined
    })

  /** The stored secrets, opened. Never fails for a value that does not open: that value reads as null. */
  const openTokens = (account: AccountKey, stored: TokenSecrets): Effect.Effect<Opened, KeyStoreUnavailable> =>
    Effect.gen(function*() {
      const current = yield* currentKey
      const secrets: Record<SecretField, Redacted.Redacted<string> | null> = {
        accessToken: null,
        refreshToken: null,
        idToken: null
      }
      const stale: Array<SecretField> = []
      const unreadable: Array<SecretField> = []
      for (const field of secretFields) {
        const value = stored[field]
        if (value === null) continue
        const parsed = parseStored(Redacted.value(value))
        if (parsed._tag === "Plain") {
          secrets[field] = value
          stale.push(field)
          continue
        }
        const opened = parsed._tag === "Sealed" ? yield* openSealed(account, field, parsed.kid, parsed.payload) : undefined
        if (opened === undefined) {
          unreadable.push(field)
          continue
        }
        secrets[field] = Redacted.make(opened.plaintext)
        if (opened.key.kid !== current.kid) stale.push(field)
      }
      return { secrets, stale, unreadable }
    })

  /** One secret as it is to be stored, sealed for `binding` under the current key. */
  const sealSecret = (binding: Binding, value: Redacted.Redacted<string>) =>
    Effect.map(currentKey, (key) =>
      Redacted.make(sealValue(key.kid, Redacted.value(key.secret), binding, Redacted.value(value))))

  /** One stored secret, opened (plain text reads as it is); None when no verification key opens it. */
  const openSecret = (binding: Binding, stored: Redacted.Redacted<string>) =>
    Effect.gen(function*() {
      const parsed = parseStored(Redacted.value(stored))
      if (parsed._tag === "Plain") return Option.some(stored)
      const opened = parsed._tag === "Sealed"
        ? yield* openSealed(binding.account, binding.field, parsed.kid, parsed.payload)
        : undefined
      return opened === undefined ? Option.none<Redacted.Redacted<string>>() : Option.some(Redacted.make(opened.plaintext))
    })

  return { sealTokens, openTokens, sealSecret, openSecret }
}

export type TokenSealer = ReturnType<typeof makeTokenSealer>
