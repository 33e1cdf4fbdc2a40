import { Data } from "effect"

export type CounterVerdict = Data.TaggedEnum<{
  /** Store `next` (a compare-and-set from the stored value). */
  Advance: { readonly next: number }
  /** The authenticator keeps no counter (both zero): nothing to store, nothing to learn. */
  NoCounter: {}
  /** The counter did not increase: two copies of one credential are in use. Refuse it. */
  Cloned: {}
}>
export const CounterVerdict = Data.taggedEnum<CounterVerdict>()

/**
 * WebAuthn Level 3 §6.1.1 (signature counter considerations) and §7.2 step 22: an authenticator that keeps a
 * counter increases it at every assertion, so a value that is not greater than the stored one means the
 * private key exists twice — a cloned authenticator — and the assertion is refused. Zero on both sides is an
 * authenticator without a counter (synced passkeys send 0 forever), which proves nothing either way. A
 * counter that was counting and comes back as 0 is not let through: going back to "no counter" is exactly
 * what a clone made before the first use would look like.
 */
export const judgeSignatureCounter = (stored: number, received: number): CounterVerdict => {
  if (stored === 0 && received === 0) return CounterVerdict.NoCounter()
  if (received > stored) return CounterVerdict.Advance({ next: received })
  return CounterVerdict.Cloned()
}
