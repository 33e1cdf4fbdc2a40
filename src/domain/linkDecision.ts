import { Data, Option } from "effect"
import type { Account } from "./Account.ts"
import type { User } from "./User.ts"

/** Everything the linking rules look at, fetched before deciding. */
export interface LinkFacts {
  /**
   * The user an explicit link flow (`POST /link/:provider`, started and finished by that user's own session)
   * is linking for; none for every sign-in, whoever the browser is signed in as.
   */
  readonly linkTo: Option.Option<User>
  /** The user the provider account is already linked to, if any. */
  readonly accountOwner: Option.Option<User>
  /** The user holding the profile's e-mail address, if any. */
  readonly emailOwner: Option.Option<User>
  /** Whether the provider vouches that the person controls the profile's address. */
  readonly emailVerified: boolean
  /** Whether this provider is configured as trusted for e-mail linking. */
  readonly providerTrustsEmail: boolean
}

export type LinkDecision = Data.TaggedEnum<{
  /** Sign in as the account's user (who may already be the signed-in one). */
  SignInExisting: { readonly user: User }
  /** Nobody has this account or address: create the user, then link. */
  CreateAndLink: {}
  /** Link the account to the user who asked for it in a link flow. */
  LinkToCurrent: { readonly user: User }
  /** A trusted provider proved the address of an existing user who had proved it too: link to them. */
  LinkToEmailOwner: { readonly user: User }
  /**
   * A trusted provider proved an address that an existing user only claimed (never verified): the
   * address is taken from that user and the prover gets a new user of their own.
   */
  ReclaimAddress: { readonly holder: User }
  Refuse: { readonly reason: "AccountOfAnotherUser" | "EmailOfAnotherUser" }
}>
export const LinkDecision = Data.taggedEnum<LinkDecision>()

/**
 * The account-linking rules. Pure, so every row of the table is tested without Effect.
 *
 * Why each rule:
 * - Linking happens only when a user asked for it (a link flow), never because a browser happens to be
 *   signed in: a browser can be signed in as someone else without its owner knowing (login CSRF — a magic
 *   link or OAuth callback of the attacker's opened in the victim's browser), and a sign-in that linked to
 *   whoever is signed in would hand the victim's identity to the attacker's user for good. A sign-in
 *   decides as if signed out.
 * - A linked account signs in as its owner; linking it to a second user would let one person's
 *   provider account open two users, so a link flow for someone else is refused.
 * - A link flow and the account is new: the person proved they own both, so link to them.
 * - Signed out, new account, address held by an existing user: an address alone proves nothing unless a
 *   provider we trust says it verified it; otherwise anyone who registers the victim's address at a
 *   lax provider would take over the victim's user.
 * - And the other way round (pre-account hijacking): if that existing user never proved the address —
 *   someone may have claimed it at a lax provider before its owner arrived — the owner must not be put
 *   into that user, whose other ways in the claimant still holds. The proven owner wins the address.
 * - Otherwise the person is new.
 */
export const decideLink = (facts: LinkFacts): LinkDecision => {
  if (Option.isSome(facts.accountOwner)) {
    const owner = facts.accountOwner.value
    if (Option.isSome(facts.linkTo) && facts.linkTo.value.id !== owner.id) {
      return LinkDecision.Refuse({ reason: "AccountOfAnotherUser" })
    }
    return LinkDecision.SignInExisting({ user: owner })
  }
  if (Option.isSome(facts.linkTo)) return LinkDecision.LinkToCurrent({ user: facts.linkTo.value })
  if (Option.isSome(facts.emailOwner)) {
    if (!facts.providerTrustsEmail || !facts.emailVerified) return LinkDecision.Refuse({ reason: "EmailOfAnotherUser" })
    const holder = facts.emailOwner.value
    return holder.emailVerified !== null
      ? LinkDecision.LinkToEmailOwner({ user: holder })
      : LinkDecision.ReclaimAddress({ holder })
  }
  return LinkDecision.CreateAndLink()
}

export interface UnlinkFacts {
  readonly user: User
  readonly accounts: ReadonlyArray<Account>
  readonly target: Account
  /** Whether an e-mail provider is configured, so a verified address is a way in. */
  readonly emailSignInEnabled: boolean
}

export type UnlinkDecision = Data.TaggedEnum<{
  Unlink: { readonly account: Account }
  Refuse: { readonly reason: "NotLinkedToUser" | "LastSignInMethod" }
}>
export const UnlinkDecision = Data.taggedEnum<UnlinkDecision>()

/**
 * The rule of the last way in, stated once: after an unlink the user must keep another linked account, or a
 * verified address while e-mail sign-in is on. An unverified address does not count: the user never showed
 * they receive mail there, so it might be a way in for someone else, never for them. `decideUnlink` decides
 * by it for a clear answer; every store enforces it again atomically at the unlink itself (memory and SQLite
 * call it; PostgreSQL's guarded unlink is its SQL form), so two concurrent unlinks cannot both pass.
 */
export const keepsAWayIn = (after: {
  readonly otherAccounts: number
  readonly verifiedEmail: boolean
  readonly verifiedEmailCounts: boolean
}): boolean => after.otherAccounts > 0 || (after.verifiedEmailCounts && after.verifiedEmail)

/** Whether removing `target` leaves the user a way to sign in (`keepsAWayIn`). */
export const decideUnlink = (facts: UnlinkFacts): UnlinkDecision => {
  if (facts.target.userId !== facts.user.id) return UnlinkDecision.Refuse({ reason: "NotLinkedToUser" })
  const others = facts.accounts.filter((account) =>
    account.userId === facts.user.id &&
    !(account.provider === facts.target.provider && account.providerAccountId === facts.target.providerAccountId)
  )
  const verifiedEmail = facts.user.email !== null && facts.user.emailVerified !== null
  return keepsAWayIn({ otherAccounts: others.length, verifiedEmail, verifiedEmailCounts: facts.emailSignInEnabled })
    ? UnlinkDecision.Unlink({ account: facts.target })
    : UnlinkDecision.Refuse({ reason: "LastSignInMethod" })
}
