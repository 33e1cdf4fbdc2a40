import { Effect } from "effect"
import { Digest } from "effect/crypto"
import { keyedHashes } from "../secretToken.ts"

/**
 * The store key of a counter: a keyed hash of the rule and the subject (a client address, an e-mail
 * address, a username), never the subject itself — counter stores are shared infrastructure (Redis,
 * a database) and keep no personal data, and the key has one length however long the subject was.
 * Keyed so that nobody holding a dump can test addresses against it; the "verification" key is used
 * with a message of its own, so no hash here can ever equal a verification token's.
 */
export const counterKey = Effect.fnUntraced(function*(rule: string, subject: string) {
  const message = `rate-limit\u0000${rule}\u0000${subject}`
  const [keyed] = yield* keyedHashes("verification", message)
  if (keyed !== undefined) return keyed
  // Only a key store without a secret verification key gets here: an unkeyed hash is still no address.
  return yield* Digest.Digest.use((digest) => digest.digestHex(Digest.sha256, new TextEncoder().encode(message)))
})
