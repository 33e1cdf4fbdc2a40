import { Clock, Effect, Option } from "effect"
import { Users } from "../ports/Users.ts"
import { type Account, type AccountType, mergeTokenSets, type TokenSet } from "./Account.ts"
import { AuthConfig, type NewSignInUser } from "./AuthConfig.ts"
import { callHook, emitEvent } from "./callHook.ts"
import { decideLink, type LinkDecision } from "./linkDecision.ts"
import { normalizeEmail } from "./normalizeEmail.ts"
import type { Profile } from "./Profile.ts"
import type { OAuthProviderConfig, CredentialsProviderConfig } from "./Provider.ts"
import { type PendingSecondFactor, sessionOrSecondFactor } from "./twoFactor/pendingSignIn.ts"
import type { IssuedSession } from "./Session.ts"
import { AccessDenied, OAuthAccountNotLinked, SignInRedirected } from "./SignInError.ts"
import type { User } from "./User.ts"

/** A provider account that proved who someone is: an OAuth/OIDC callback or an `authorize` answer. */
export interface AccountSignInAttempt {
  readonly provider: OAuthProviderConfig | CredentialsProviderConfig
  readonly type: AccountType
  readonly profile: Profile
  readonly tokens: TokenSet
  /**
   * The user of an explicit link flow, who started it and is still signed in (the HTTP layer checks both);
   * none for a sign-in, which never links to whoever the browser is signed in as.
   */
  readonly linkTo: Option.Option<User>
  readonly credentials?: Readonly<Record<string, string>>
}

export interface SignedIn {
  readonly user: User
  readonly account: Account
  readonly profile: Profile
  readonly isNewUser: boolean
  readonly decision: LinkDecision["_tag"]
  /** The new session, or null when the browser keeps its current one (a link flow) or a second factor is due. */
  readonly session: IssuedSession | null
  /** Set when the user must pass a second factor before any session (two-factor sign-in). */
  readonly secondFactor: PendingSecondFactor | null
}

/** The linking rules' decision for this attempt, on facts fetched from the store (who holds the account, the address). */
const linkDecisionFor = Effect.fnUntraced(function*(attempt: AccountSignInAttempt) {
  const store = yield* Users
  const email = Option.flatMap(Option.fromNullishOr(attempt.profile.email), normalizeEmail)
  const [accountOwner, emailOwner] = yield* Effect.all([
    store.getUserByAccount({ provider: attempt.provider.id, providerAccountId: attempt.profile.id }),
    Option.match(email, { onNone: () => Effect.succeedNone, onSome: (address) => store.getUserByEmail(address) })
  ], { concurrency: 2 })
  return decideLink({
    linkTo: attempt.linkTo,
    accountOwner,
    emailOwner,
    emailVerified: attempt.profile.emailVerified,
    providerTrustsEmail: attempt.provider.trustEmail
  })
})

const accountFor = (attempt: AccountSignInAttempt, user: User): Account => ({
  provider: attempt.provider.id,
  providerAccountId: attempt.profile.id,
  userId: user.id,
  type: attempt.type,
  ...attempt.tokens,
  needsReauth: false
})

/** Asks the signIn callback; false refuses, a string sends the browser elsewhere. */
const askSignInCallback = Effect.fnUntraced(function*(attempt: AccountSignInAttempt, decision: LinkDecision) {
  const config = yield* AuthConfig
  const hook = config.callbacks.signIn
  if (hook === undefined) return
  const user: User | NewSignInUser = decision._tag === "CreateAndLink" || decision._tag === "Refuse" ||
      decision._tag === "ReclaimAddress"
    ? { id: null, name: attempt.profile.name, email: attempt.profile.email, image: attempt.profile.image }
    : decision.user
  const prospective = user.id === null ? null : accountFor(attempt, user)
  const answer = yield* callHook("signIn", hook, {
    user,
    account: prospective,
    profile: attempt.profile,
    ...(attempt.credentials === undefined ? {} : { credentials: attempt.credentials })
  }).pipe(Effect.catchTag("CallbackFailed", (error) =>
    Effect.logWarning("authfx: the signIn callback failed; access denied", error.cause).pipe(Effect.as(false))
  ))
  if (answer === false) return yield* new AccessDenied({ reason: "SignInCallback" })
  if (typeof answer === "string") return yield* new SignInRedirected({ url: answer })
})

/** Applies a decision. Races with another sign-in surface as EmailTaken / AccountAlreadyLinked. */
const applyDecision = Effect.fnUntraced(function*(attempt: AccountSignInAttempt, decision: LinkDecision) {
  const config = yield* AuthConfig
  const store = yield* Users
  switch (decision._tag) {
    case "Refuse":
      return yield* new OAuthAccountNotLinked({ reason: decision.reason })
    case "SignInExisting": {
      const key = { provider: attempt.provider.id, providerAccountId: attempt.profile.id }
      // Fresh tokens from this sign-in replace the stored ones (and clear needsReauth); credentials have none.
      const stored = yield* store.getAccount(key)
      const account = attempt.type === "credentials" || Option.isNone(stored)
        ? Option.getOrElse(stored, () => accountFor(attempt, decision.user))
        : yield* store.updateAccountTokens(key, mergeTokenSets(stored.value, attempt.tokens)).pipe(
          Effect.catchTag("AccountNotFound", () => Effect.succeed(accountFor(attempt, decision.user)))
        )
      return { user: decision.user, account, isNewUser: false }
    }
    case "LinkToCurrent":
    case "LinkToEmailOwner": {
      const user = decision.user
      const account = yield* store.linkAccount(accountFor(attempt, user))
      yield* emitEvent("linkAccount", config.events.linkAccount, { user, account, profile: attempt.profile })
      return { user, account, isNewUser: false }
    }
    case "ReclaimAddress":
    case "CreateAndLink": {
      if (decision._tag === "ReclaimAddress") {
        const released = yield* store.updateUser(decision.holder.id, { email: null })
        yield* emitEvent("updateUser", config.events.updateUser, { user: released })
      }
      const now = yield* Clock.currentTimeMillis
      const email = Option.getOrNull(Option.flatMap(Option.fromNullishOr(attempt.profile.email), normalizeEmail))
      const vouched = attempt.provider.trustEmail && attempt.profile.emailVerified && email !== null
      const user = yield* store.createUser({
        name: attempt.profile.name,
        email,
        emailVerified: vouched ? new Date(now) : null,
        image: attempt.profile.image
      })
      const account = yield* store.linkAccount(accountFor(attempt, user)).pipe(
        // Someone linked this account first: take back the user we just made, then decide again.
        Effect.tapError(() => store.deleteUser(user.id).pipe(Effect.ignore))
      )
      yield* emitEvent("createUser", config.events.createUser, { user })
      yield* emitEvent("linkAccount", config.events.linkAccount, { user, account, profile: attempt.profile })
      return { user, account, isNewUser: true }
    }
  }
})

/**
 * Signs in (or, in a link flow, links) with a provider account: fetch the facts, decide by the linking rules,
 * ask the signIn callback, apply, and start a session unless it was a link flow. A concurrent
 * sign-in that changed the facts under us makes us decide once more on the new facts.
 */
export const signInWithAccount = Effect.fn("signInWithAccount")(function*(attempt: AccountSignInAttempt) {
  const config = yield* AuthConfig
  const decideAndApply = Effect.gen(function*() {
    const decision = yield* linkDecisionFor(attempt)
    if (decision._tag === "Refuse") return yield* new OAuthAccountNotLinked({ reason: decision.reason })
    yield* askSignInCallback(attempt, decision)
    const applied = yield* applyDecision(attempt, decision)
    return { ...applied, decision: decision._tag }
  })
  const applied = yield* decideAndApply.pipe(
    Effect.catchTags({ EmailTaken: () => decideAndApply, AccountAlreadyLinked: () => decideAndApply }),
    // Lost the race twice: the account or address is someone else's now, as far as we can tell.
    Effect.catchTags({
      EmailTaken: () => new OAuthAccountNotLinked({ reason: "EmailOfAnotherUser" }),
      AccountAlreadyLinked: () => new OAuthAccountNotLinked({ reason: "AccountOfAnotherUser" })
    })
  )
  // A link flow keeps the browser's session: it is already the session of the user it linked to.
  const { session, secondFactor } = Option.isSome(attempt.linkTo)
    ? { session: null, secondFactor: null }
    : yield* sessionOrSecondFactor(applied.user, {
      account: applied.account,
      profile: attempt.profile,
      isNewUser: applied.isNewUser,
      via: attempt.provider.id
    })
  // A sign-in waiting for its second factor is told when it completes (pendingSignIn.ts).
  if (secondFactor === null) {
    yield* emitEvent("signIn", config.events.signIn, {
      user: applied.user,
      account: applied.account,
      profile: attempt.profile,
      isNewUser: applied.isNewUser
    })
  }
  const signedIn: SignedIn = { ...applied, profile: attempt.profile, session, secondFactor }
  return signedIn
})
