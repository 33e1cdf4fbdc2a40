/**
 * The cap on pending magic links: the one rule every store applies when it stores a new verification token.
 *
 * Why: without it, one CSRF token could ask for any number of links to one address, and each would be a
 * stored token that signs in for a day; whoever later reads any of those mails (a shared inbox, a forwarded
 * thread, a mail archive) gets in. With it, an address has at most `max` links that work, the newest.
 */

/** Links an address may have pending when the e-mail provider does not say (`maxPendingLinks`). */
export const defaultMaxPendingLinks = 3

/** How many pending links an address may keep, judged at `now` (the domain's Clock). */
export interface PendingLinkCap {
  readonly max: number
  readonly now: Date
}

/** What the rule needs of a stored token: which one it is, and when it stops working. */
export interface PendingLink {
  readonly tokenHash: string
  readonly expires: Date
}

/**
 * Newest first. Tokens of one provider all live `maxAge`, so the one that expires last is the one issued
 * last. Two issued in the same millisecond tie; the hash then orders them (arbitrarily, but the same way in
 * every store), so concurrent issuers of one address all agree on which to drop.
 */
const newestFirst = (a: PendingLink, b: PendingLink) =>
  b.expires.getTime() - a.expires.getTime() || (a.tokenHash < b.tokenHash ? 1 : a.tokenHash > b.tokenHash ? -1 : 0)

/**
 * Which of an address's stored tokens to delete now that `fresh` (one of them) was issued: every expired one
 * (it can never sign in, so it never counts toward the cap), and every live one beyond the newest `max`.
 * The fresh token is always kept, even when it expires before older ones (a second e-mail provider with a
 * shorter `maxAge`): the link just mailed must work. A used token is not among them (consuming deletes it),
 * so it never counts either.
 *
 * A store applies this with the address's tokens read and the deletions written in one step that no other
 * issuer for the same address can interleave with (a lock, a transaction, a compare-and-set), so a burst of
 * concurrent requests still leaves at most `max`.
 */
export const linksBeyondCap = <T extends PendingLink>(
  stored: ReadonlyArray<T>,
  fresh: string,
  cap: PendingLinkCap
): ReadonlyArray<T> => {
  const now = cap.now.getTime()
  const expired = stored.filter((token) => token.tokenHash !== fresh && token.expires.getTime() <= now)
  const others = stored.filter((token) => token.tokenHash !== fresh && token.expires.getTime() > now)
  const room = Math.max(0, cap.max - (stored.some((token) => token.tokenHash === fresh) ? 1 : 0))
  return [...expired, ...[...others].sort(newestFirst).slice(room)]
}

/** A usable `maxPendingLinks`: a whole number, at least 1 (0 would refuse every link, including the fresh one). */
export const isValidMaxPendingLinks = (max: number): boolean => Number.isSafeInteger(max) && max >= 1
