import { Clock, Context, Effect, Layer, Option, Schema } from "effect"
import { hash } from "node:crypto"
import { JwtClaims } from "../../domain/Session.ts"
import type { KeyStoreUnavailable } from "../../ports/KeyStore.ts"
import { TokenCodec, TokenRejected } from "../../ports/TokenCodec.ts"

/** How long a verification is reused before the token is checked against the keys again. */
const reverifyAfterMillis = 60_000
const capacity = 10_000

const decodeClaims = Schema.decodeUnknownOption(JwtClaims)
const claimsRejected = new TokenRejected({ reason: "claims" })

/**
 * JWT session tokens already opened by the codec, so a returning cookie costs a hash and a map lookup
 * instead of a decryption. Keyed by SHA-256 of the token (a collision would be a forged session, so the key
 * must be cryptographic). The domain still checks expiry and revocation on every request; the entry is
 * reused for a minute at most, so a retired key stops being honoured within a minute of retiring.
 */
export class VerifiedTokens extends Context.Service<VerifiedTokens, {
  readonly open: (token: string) => Effect.Effect<JwtClaims, TokenRejected | KeyStoreUnavailable>
  /** The claims of a token verified within the last minute, without opening anything. */
  readonly cached: (token: string) => Effect.Effect<Option.Option<JwtClaims>>
  /** `cached` as a plain function, for the synchronous hot path of `GET /session`. */
  readonly peek: (token: string, now: number) => JwtClaims | undefined
}>()("authfx/http/VerifiedTokens") {
  static readonly layer = Layer.effect(
    VerifiedTokens,
    Effect.gen(function*() {
      const codec = yield* TokenCodec
      const entries = new Map<string, { readonly claims: JwtClaims; readonly verifiedAt: number }>()
      const keyOf = (token: string) => hash("sha256", token, "base64")
      const fresh = (key: string, now: number) => {
        const hit = entries.get(key)
        return hit !== undefined && now - hit.verifiedAt < reverifyAfterMillis ? hit : undefined
      }
      return VerifiedTokens.of({
        peek: (token, now) => fresh(keyOf(token), now)?.claims,
        cached: (token) =>
          Effect.map(Clock.currentTimeMillis, (now) => Option.fromNullishOr(fresh(keyOf(token), now)?.claims)),
        open: (token) =>
          Effect.flatMap(Clock.currentTimeMillis, (now) => {
            // Hashed once: a miss goes on to open the token and file it under the same key.
            const key = keyOf(token)
            const hit = fresh(key, now)
            if (hit !== undefined) return Effect.succeed(hit.claims)
            return codec.open("session", token).pipe(
              Effect.flatMap((opened) => {
                const claims = decodeClaims(opened)
                if (claims._tag === "None") return Effect.fail(claimsRejected)
                // Oldest first out: Map iteration follows insertion order.
                if (entries.size >= capacity) entries.delete(entries.keys().next().value!)
                entries.set(key, { claims: claims.value, verifiedAt: now })
                return Effect.succeed(claims.value)
              })
            )
          })
      })
    })
  )
}
