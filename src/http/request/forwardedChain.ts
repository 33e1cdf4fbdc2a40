/**
 * The entry of an appended-to proxy header (X-Forwarded-Host, X-Forwarded-Proto, X-Forwarded-For) that our
 * outermost trusted proxy added.
 *
 * Each proxy appends what it saw to the value it received ("client-sent, proxy-1, proxy-2"), so only the
 * rightmost `trustedProxies` entries were written by proxies we run; everything left of them is whatever
 * the client sent, and the leftmost entry — the one most code reads — is the easiest to forge. The entry
 * counted `trustedProxies` from the right is the one our outermost proxy added, about the client it saw.
 * With fewer entries than that, every entry came from our proxies (one of them overwrote rather than
 * appended), so the leftmost is taken.
 *
 * Entries are trimmed and keep their positions: an empty entry is still an entry, because dropping it
 * would shift the count into client-written entries. The answer is then "" and the caller must treat it
 * as unusable, never fall back to another entry. `undefined` only when there is no header at all.
 */
export const forwardedEntry = (header: string | undefined, trustedProxies: number): string | undefined => {
  if (header === undefined) return undefined
  const entries = header.split(",")
  return entries[Math.max(0, entries.length - trustedProxies)]!.trim()
}
