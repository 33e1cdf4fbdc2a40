import { Clock, Effect, Option } from "effect"
import { Ledger } from "../ports/Ledger.ts"
import type { AccountKey } from "./Account.ts"
import { AuthConfig } from "./AuthConfig.ts"

// Parts are URI-encoded, so no account id can reach into another key.
const claimKey = (key: AccountKey) =>
  `refresh-claim:${encodeURIComponent(key.provider)}:${encodeURIComponent(key.providerAccountId)}`

/**
 * Claims the refresh of one account's tokens for `holder`, so that of all the nodes sharing the ledger only
 * one spends the refresh token. The claim lapses by itself after `refreshClaimSeconds` — a holder that dies
 * cannot block refreshes for longer — and a lapsed claim can be taken (the ledger treats it as absent).
 */
export const claimRefresh = Effect.fnUntraced(function*(key: AccountKey, holder: string) {
  const config = yield* AuthConfig
  const now = yield* Clock.currentTimeMillis
  return yield* Ledger.use((ledger) =>
    ledger.compareAndSet(claimKey(key), Option.none(), {
      value: holder,
      expiresAt: new Date(now + config.refreshClaimSeconds * 1000)
    })
  )
})

/** Releases the claim if `holder` still holds it (a lapsed claim may be someone else's by now). */
export const releaseRefresh = (key: AccountKey, holder: string) =>
  Ledger.use((ledger) => ledger.deleteIf(claimKey(key), holder))
