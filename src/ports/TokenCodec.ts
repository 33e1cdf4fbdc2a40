import { Context, type Effect, Schema } from "effect"
import type { KeyStoreUnavailable } from "./KeyStore.ts"

/** What the codec seals: JWT session tokens, and the short-lived OAuth checks cookie. */
export type SealPurpose = "session" | "checks"

export type Claims = Readonly<Record<string, unknown>>

/**
 * The token is not one we issued and still accept. `reason` is for logs and tests, never for the
 * browser (which learns only that there is no session).
 */
export class TokenRejected extends Schema.TaggedError<TokenRejected>()("TokenRejected", {
  reason: Schema.Literals(["malformed", "algorithm", "unknownKey", "signature", "expired", "claims"])
}) {}

/**
 * The claims would make a token longer than `open` accepts (16 KiB): a callback put too much in them.
 * Failing here beats issuing a cookie that signs its holder out on the next request.
 */
export class TokenTooLarge extends Schema.TaggedError<TokenTooLarge>()("TokenTooLarge", {
  length: Schema.Number
}) {}

/** The claims cannot be JSON (a BigInt, a cycle): a callback returned something a token cannot carry. */
export class ClaimsNotJson extends Schema.TaggedError<ClaimsNotJson>()("ClaimsNotJson", {}) {}

/**
 * The edge port of the HTTP layer: turns claims into a compact JOSE token under the current KeyStore key
 * of a purpose and back. The domain never sees tokens, only claims; this is why it is not one of the
 * domain's four ports.
 *
 * Contract:
 * - `seal` uses the purpose's current key and names it by `kid` in the protected header; the claims must
 *   carry `exp` (seconds); a token over 16 KiB is `TokenTooLarge`.
 * - `open` accepts only tokens whose `kid` is a verifying key of that purpose, with exactly that key's
 *   algorithm: `alg: none`, another algorithm (confusion), an unknown or retired key, a bad signature,
 *   tampering and an `exp` in the past (beyond a small clock tolerance) are all `TokenRejected`.
 * - Time is `Clock`'s.
 */
export class TokenCodec extends Context.Service<TokenCodec, {
  readonly seal: (
    purpose: SealPurpose,
    claims: Claims
  ) => Effect.Effect<string, KeyStoreUnavailable | TokenTooLarge | ClaimsNotJson>
  readonly open: (purpose: SealPurpose, token: string) => Effect.Effect<Claims, TokenRejected | KeyStoreUnavailable>
  /**
   * Whether `open` of a session token under the current key completes without waiting, so that a caller may
   * run it synchronously (the fast path of `GET /session`). A token under another key may still need to wait:
   * a synchronous caller falls back to the Effect path when it does.
   */
  readonly opensSynchronously: boolean
}>()("authfx/TokenCodec") {}
