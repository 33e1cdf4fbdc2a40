import { createHash } from "node:crypto"
import { Effect } from "effect"
import { linksBeyondCap, type PendingLink, type PendingLinkCap } from "../../domain/pendingLinks.ts"
import type { VerificationToken } from "../../domain/VerificationToken.ts"
import type { UsersUnavailable } from "../../ports/Users.ts"
import type { Client } from "./PostgresClient.ts"
import { type Row, unavailable } from "./userRows.ts"

/**
 * The advisory lock class of pending links. Two-key advisory locks (class, hash of the address) live in a key
 * space apart from the one-key locks of migrations and key rotation, so they never wait on each other; two
 * addresses whose hashes collide only queue behind each other, which costs a moment and breaks nothing.
 */
const lockClass = createHash("sha256").update("authfx pending links").digest().readInt32BE(0)

// TIMESTAMPTZ comes back as a Date and TEXT as a string; the rule needs nothing else of the row.
const pendingOf = (row: Row): PendingLink => ({ tokenHash: String(row["token"]), expires: new Date(row["expires"] as Date) })

/**
 * `createVerificationToken` with a cap: stores the token and deletes what the domain's `linksBeyondCap`
 * (src/domain/pendingLinks.ts) picks among the address's tokens, in one transaction.
 *
 * The transaction first takes an advisory lock on the address, so concurrent issuers for one address (on any
 * node) queue up, and each reads the address's tokens after the one ahead of it committed: under READ
 * COMMITTED every statement sees what was committed before it started. Without the lock, two issuers could
 * each insert, each read the other's insert as not yet there, and leave one token over the cap. A row lock
 * cannot do it: there may be no row to lock yet.
 */
export const cappedTokenInsert = (
  client: Client,
  token: VerificationToken,
  cap: PendingLinkCap
): Effect.Effect<void, UsersUnavailable> =>
  client.run((db) =>
    db.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(${lockClass}::int, hashtext(${token.identifier}))`
      await tx`
        INSERT INTO verification_token (identifier, token, expires)
        VALUES (${token.identifier}, ${token.tokenHash}, ${token.expires})
        ON CONFLICT (identifier, token) DO UPDATE SET expires = EXCLUDED.expires`
      // The primary key (identifier, token) serves this lookup.
      const stored = await tx`SELECT token, expires FROM verification_token WHERE identifier = ${token.identifier}`
      const dropped = linksBeyondCap(stored.map(pendingOf), token.tokenHash, cap).map((link) => link.tokenHash)
      if (dropped.length > 0) {
        await tx`DELETE FROM verification_token WHERE identifier = ${token.identifier} AND token IN ${tx(dropped)}`
      }
    })
  ).pipe(Effect.mapError(unavailable), Effect.asVoid)
