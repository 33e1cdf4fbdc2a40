import type { LedgerEntry } from "../../ports/Ledger.ts"

/**
 * A ledger entry as one Redis string: `<expiresAt, epoch milliseconds>:<value>`. One string, not a hash,
 * so `get` is one MGET for any number of keys, and the Lua scripts (ledgerScripts.ts) read it the same way:
 * the expiry is everything before the first `:`, the value (which may hold `:`) everything after.
 */
export const encodeEntry = (entry: LedgerEntry): string => `${entry.expiresAt.getTime()}:${entry.value}`

/** The entry a stored string holds, or undefined when the ledger did not write it (edited by hand?). */
export const decodeEntry = (stored: string): LedgerEntry | undefined => {
  const separator = stored.indexOf(":")
  if (separator < 1) return undefined
  const millis = Number(stored.slice(0, separator))
  if (!Number.isSafeInteger(millis)) return undefined
  return { value: stored.slice(separator + 1), expiresAt: new Date(millis) }
}

/**
 * How long Redis should keep an entry written at `now`: until its `expiresAt` by the node's Clock. Zero or
 * less means the entry is already expired, so the write is a delete.
 */
export const timeToLive = (entry: { readonly expiresAt: Date }, now: number): number => entry.expiresAt.getTime() - now
