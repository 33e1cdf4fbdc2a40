import { Clock, Context, Deferred, Effect, Exit, Layer, Metric, Option, type Redacted, Schema } from "effect"
import { SecureRandom } from "effect/crypto"
import { ProviderClient } from "../ports/ProviderClient.ts"
import { Ledger, type LedgerUnavailable } from "../ports/Ledger.ts"
import { Users, type UsersUnavailable } from "../ports/Users.ts"
import { type Account, type AccountKey, mergeTokenSets, type ProviderId } from "./Account.ts"
import { AuthConfig } from "./AuthConfig.ts"
import { claimRefresh, releaseRefresh } from "./refreshClaim.ts"
import { randomId } from "./secretToken.ts"
import { flowSpan, outcomeOf, tokenRefreshes } from "./telemetry.ts"
import type { UserId } from "./User.ts"

/** The user has no account at this provider. */
export class NoLinkedAccount extends Schema.TaggedError<NoLinkedAccount>()("NoLinkedAccount", {
  provider: Schema.String
}) {}

/** The stored tokens cannot be refreshed (refused by the provider, or none to refresh with): sign in again. */
export class ReauthRequired extends Schema.TaggedError<ReauthRequired>()("ReauthRequired", {
  provider: Schema.String
}) {}

/** The refresh did not happen now (provider down, another node still refreshing); trying later may work. */
export class TokenRefreshFailed extends Schema.TaggedError<TokenRefreshFailed>()("TokenRefreshFailed", {
  provider: Schema.String,
  message: Schema.String
}) {}

export type AccessTokenError = NoLinkedAccount | ReauthRequired | TokenRefreshFailed | UsersUnavailable | LedgerUnavailable

/** How often a node waiting on another node's refresh looks again. */
const pollMillis = 50

/**
 * OAuth access tokens that stay valid. An expired (or about to expire) token is refreshed once:
 * concurrent callers in this process share one refresh (single flight), and a claim in the ledger keeps
 * other processes from spending the same refresh token. The rotated refresh token is stored before
 * anyone gets the new access token, and only over the tokens the refresh started from (a compare-and-set,
 * so a refresh whose claim lapsed, or that a sign-in overtook, stores nothing); a refused refresh
 * (`invalid_grant`) marks the account as needing a new sign-in.
 */
export class TokenRotation extends Context.Service<TokenRotation, {
  readonly getAccessToken: (
    userId: UserId,
    provider: ProviderId
  ) => Effect.Effect<Redacted.Redacted<string>, AccessTokenError>
}>()("authfx/TokenRotation") {
  static readonly layer = Layer.effect(
    TokenRotation,
    Effect.gen(function*() {
      const store = yield* Users
      const ledger = yield* Ledger
      const client = yield* ProviderClient
      const config = yield* AuthConfig
      const random = yield* SecureRandom.SecureRandom
      const scope = yield* Effect.scope
      const inFlight = new Map<string, Deferred.Deferred<Redacted.Redacted<string>, AccessTokenError>>()

      const usable = (account: Account, now: number): Redacted.Redacted<string> | null =>
        account.accessToken !== null &&
          (account.expiresAt === null || account.expiresAt.getTime() - config.accessTokenSkewSeconds * 1000 > now)
          ? account.accessToken
          : null

      const keyOf = (account: Account): AccountKey => ({
        provider: account.provider,
        providerAccountId: account.providerAccountId
      })

      const release = (key: AccountKey, holder: string) =>
        releaseRefresh(key, holder).pipe(Effect.provideService(Ledger, ledger), Effect.asVoid)
      const secretsOf = (account: Account) => ({
        accessToken: account.accessToken,
        refreshToken: account.refreshToken,
        idToken: account.idToken
      })

      const refreshHolding = Effect.fnUntraced(function*(key: AccountKey, holder: string) {
        const account = yield* store.getAccount(key)
        if (Option.isNone(account)) {
          yield* release(key, holder)
          return yield* new NoLinkedAccount({ provider: key.provider })
        }
        const current = account.value
        const stillGood = usable(current, yield* Clock.currentTimeMillis)
        if (stillGood !== null) {
          yield* release(key, holder)
          return stillGood
        }
        if (current.needsReauth || current.refreshToken === null) {
          yield* release(key, holder)
          return yield* new ReauthRequired({ provider: key.provider })
        }
        const answer = yield* Effect.exit(client.refresh(key.provider, current.refreshToken))
        if (Exit.isFailure(answer)) {
          const refused = answer.cause.reasons.some((reason) => reason._tag === "Fail" && reason.error._tag === "InvalidGrant")
          // Only the tokens we spent are dead: a sign-in that stored new ones meanwhile keeps the account usable.
          if (refused) yield* store.updateAccountIf(key, secretsOf(current), { needsReauth: true })
          yield* release(key, holder)
          return yield* refused
            ? new ReauthRequired({ provider: key.provider })
            : new TokenRefreshFailed({ provider: key.provider, message: "the provider did not refresh the token" })
        }
        const tokens = mergeTokenSets(current, answer.value)
        const stored = yield* store.updateAccountIf(key, secretsOf(current), { tokens, needsReauth: false })
        yield* release(key, holder)
        // The tokens changed under us (our claim lapsed and another refresh, or a sign-in, stored newer ones):
        // what we got is not what is stored, so hand out nothing.
        if (Option.isNone(stored) || tokens.accessToken === null) {
          return yield* new TokenRefreshFailed({ provider: key.provider, message: "the tokens changed during the refresh" })
        }
        return tokens.accessToken
      })

      /** Claims the refresh in the store, or waits for whoever holds the claim to finish. */
      const refresh = Effect.fnUntraced(function*(account: Account) {
        const key = keyOf(account)
        const deadline = (yield* Clock.currentTimeMillis) + 2 * config.refreshClaimSeconds * 1000
        while (true) {
          const holder = yield* randomId.pipe(Effect.provideService(SecureRandom.SecureRandom, random))
          const now = yield* Clock.currentTimeMillis
          const claimed = yield* claimRefresh(key, holder).pipe(
            Effect.provideService(Ledger, ledger),
            Effect.provideService(AuthConfig, config)
          )
          if (claimed) return yield* refreshHolding(key, holder)
          if (now > deadline) {
            return yield* new TokenRefreshFailed({ provider: key.provider, message: "another refresh is still running" })
          }
          yield* Effect.sleep(pollMillis)
          const seen = yield* store.getAccount(key)
          if (Option.isNone(seen)) return yield* new NoLinkedAccount({ provider: key.provider })
          if (seen.value.needsReauth) return yield* new ReauthRequired({ provider: key.provider })
          const refreshed = usable(seen.value, yield* Clock.currentTimeMillis)
          if (refreshed !== null) return refreshed
        }
      })

      const getAccessToken = Effect.fn("getAccessToken")(function*(userId: UserId, provider: ProviderId) {
        const found = yield* store.getUserAccount(userId, provider)
        if (Option.isNone(found)) return yield* new NoLinkedAccount({ provider })
        const account = found.value
        if (account.needsReauth) return yield* new ReauthRequired({ provider })
        const token = usable(account, yield* Clock.currentTimeMillis)
        if (token !== null) return token
        const flightKey = `${account.provider}\u0000${account.providerAccountId}`
        // Check-and-set in one synchronous step, so two fibers cannot both become the leader.
        const [deferred, leader] = yield* Effect.sync(() => {
          const existing = inFlight.get(flightKey)
          if (existing !== undefined) return [existing, false] as const
          const created = Deferred.makeUnsafe<Redacted.Redacted<string>, AccessTokenError>()
          inFlight.set(flightKey, created)
          return [created, true] as const
        })
        if (leader) {
          // The refresh runs in the layer's scope: a caller that gives up must not strand the others.
          // The entry goes before the answer: a caller retrying right after a failure starts a new refresh
          // instead of finding the finished one.
          yield* refresh(account).pipe(
            Effect.onExit((exit) =>
              Metric.update(Metric.withAttributes(tokenRefreshes, { provider: account.provider, outcome: outcomeOf(exit) }), 1)
            ),
            flowSpan("authfx.refreshToken", { "authfx.provider": account.provider }),
            Effect.onExit((exit) =>
              Effect.sync(() => inFlight.delete(flightKey)).pipe(Effect.andThen(Deferred.done(deferred, exit)))
            ),
            Effect.forkIn(scope)
          )
        }
        return yield* Deferred.await(deferred)
      })

      return TokenRotation.of({ getAccessToken })
    })
  )
}
