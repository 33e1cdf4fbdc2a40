import { Clock, Duration, Effect, Option } from "effect"
import { linksBeyondCap, type PendingLinkCap } from "../../domain/pendingLinks.ts"
import type { VerificationToken } from "../../domain/VerificationToken.ts"
import { type Users, UsersUnavailable } from "../../ports/Users.ts"
import { decodeVerificationToken } from "./authjsRecords.ts"
import type { Bridge } from "./bridge.ts"
import { keys, ledgerUnavailable, type PendingLinksIndex } from "./ledgerIndexes.ts"

type Operations = Pick<Users["Service"], "createVerificationToken" | "consumeVerificationToken">

const without = (index: PendingLinksIndex, tokenHash: string): PendingLinksIndex | null => {
  const links = index.links.filter((link) => link.tokenHash !== tokenHash)
  return links.length === 0 ? null : { links }
}

/**
 * Verification tokens (magic links) over the adapter's createVerificationToken and useVerificationToken.
 *
 * The cap on pending links (src/domain/pendingLinks.ts): Auth.js cannot list an address's tokens, so the bridge
 * keeps its own index of the links it issued with a cap, per address, in the Ledger (ledgerIndexes.ts). A new
 * link is created in the adapter first, then added to the index by compare-and-set, which also takes out what
 * `linksBeyondCap` picks; those are then deleted from the adapter (through the same single-use claim as a
 * consumer, so a link pushed out and a click on it cannot both succeed). Concurrent issuers for one address
 * meet at that compare-and-set, so the index never lists more than the cap, on every node sharing the Ledger.
 *
 * What holds, then: of the links the bridge issued and indexed, at most the cap work, the newest. What does not:
 * a link Auth.js itself (or anything else writing the adapter's table) created is not in the index and not
 * counted; a crash between the adapter's insert and the index leaves one link uncounted; a Ledger that lost
 * its entries (the memory Ledger at restart) forgets the links issued before. Each such link still works only
 * until it expires (`maxAge`), as under Auth.js. An index entry whose link is gone (used, or deleted behind the
 * bridge) is taken out when it is consumed through the bridge; one that lingers only pushes an older link out
 * early, never lets one more in.
 */
export const verificationTokenOperations = (
  bridge: Bridge,
  options: { readonly verificationTokens: boolean; readonly timeout: Duration.Input }
): Operations => {
  const { adapter, ledger, pendingLinks, plain } = bridge

  /**
   * Consuming a magic link is single-use across every node that shares the Ledger: a consumer first claims the
   * token there (compare-and-set from absent), and only the one who got the claim asks the adapter, whose own
   * useVerificationToken may read, then delete (Kysely without RETURNING, unstorage). The claim outlasts the
   * adapter call it covers (the call's timeout, plus a minute for clocks that differ between nodes); a failed
   * call gives it back, so the link can be tried again.
   */
  const claimMillis = Duration.toMillis(options.timeout) + 60_000
  const consume = (use: NonNullable<typeof adapter.useVerificationToken>, identifier: string, tokenHash: string) =>
    Effect.gen(function*() {
      const key = keys.consume(identifier, tokenHash)
      const claim = crypto.randomUUID()
      const until = new Date((yield* Clock.currentTimeMillis) + claimMillis)
      const claimed = yield* ledger.compareAndSet(key, Option.none(), { value: claim, expiresAt: until }).pipe(
        Effect.mapError(ledgerUnavailable)
      )
      if (!claimed) return Option.none<VerificationToken>()
      const found = yield* plain("useVerificationToken", () => use({ identifier, token: tokenHash })).pipe(
        Effect.tapError(() => Effect.ignore(ledger.deleteIf(key, claim)))
      )
      // Used (or gone): it no longer counts toward the cap. Should the Ledger fail here, the entry lingers and
      // only makes the cap push an older link out early.
      yield* Effect.ignore(
        pendingLinks.update(keys.pendingLinks(identifier), (index) =>
          index.links.some((link) => link.tokenHash === tokenHash)
            ? { result: undefined, next: without(index, tokenHash) }
            : { result: undefined })
      )
      return found === null || found === undefined ? Option.none() : Option.some(yield* decodeVerificationToken(found))
    })

  /** Adds `token` to its address's index and takes out what the cap pushes out; returns those. */
  const indexCapped = (token: VerificationToken, cap: PendingLinkCap) =>
    pendingLinks.update(keys.pendingLinks(token.identifier), (index) => {
      const links = [
        ...index.links.filter((link) => link.tokenHash !== token.tokenHash),
        { tokenHash: token.tokenHash, expires: token.expires }
      ]
      const dropped = linksBeyondCap(links, token.tokenHash, cap)
      return { result: dropped, next: { links: links.filter((link) => !dropped.includes(link)) } }
    })

  const noTokens = Effect.fail(
    new UsersUnavailable({ message: "e-mail sign-in is off: the bridge was built with verificationTokens: false" })
  )

  return {
    createVerificationToken: (token, cap) => {
      const create = adapter.createVerificationToken
      const use = adapter.useVerificationToken
      if (!options.verificationTokens || create === undefined || use === undefined) return noTokens
      const created = Effect.asVoid(plain("createVerificationToken", () =>
        create({ identifier: token.identifier, token: token.tokenHash, expires: token.expires })))
      if (cap === undefined) return created
      return Effect.gen(function*() {
        yield* created
        // Not indexed, not counted: the link must not work either (the domain sends no mail for it).
        const dropped = yield* indexCapped(token, cap).pipe(
          Effect.tapError(() => Effect.ignore(consume(use, token.identifier, token.tokenHash)))
        )
        yield* Effect.forEach(dropped, (link) => consume(use, token.identifier, link.tokenHash), {
          concurrency: 4,
          discard: true
        })
      })
    },
    consumeVerificationToken: (identifier, tokenHash) => {
      const use = adapter.useVerificationToken
      return !options.verificationTokens || use === undefined ? noTokens : consume(use, identifier, tokenHash)
    }
  }
}
