import { Clock, Effect, Option, Redacted } from "effect"
import { Mailer } from "../ports/Mailer.ts"
import { Users } from "../ports/Users.ts"
import { type Account, emptyTokenSet, type ProviderId } from "./Account.ts"
import { AuthConfig, findProvider } from "./AuthConfig.ts"
import { callHook, emitEvent } from "./callHook.ts"
import { magicLinkMessage } from "./magicLinkMessage.ts"
import { normalizeEmail } from "./normalizeEmail.ts"
import { defaultMaxPendingLinks } from "./pendingLinks.ts"
import type { EmailProviderConfig } from "./Provider.ts"
import { keyedHashes, randomSecret } from "./secretToken.ts"
import { sessionOrSecondFactor } from "./twoFactor/pendingSignIn.ts"
import { AccessDenied, InvalidEmail, ProviderNotConfigured, SignInRedirected, Verification } from "./SignInError.ts"
import type { Email, User } from "./User.ts"

const findEmailProvider = Effect.fnUntraced(function*(id: ProviderId | string) {
  const provider = findProvider(yield* AuthConfig, id)
  if (provider === undefined || provider.type !== "email") return yield* new ProviderNotConfigured({ provider: id })
  return provider as EmailProviderConfig
})

// The address is inside the MAC, so a token sent to one address can never sign in another.
const tokenMessage = (identifier: Email, token: string) => `${identifier}\u0000${token}`

const emailAccount = (provider: EmailProviderConfig, identifier: Email, user: User | null): Account | null =>
  user === null ? null : {
    provider: provider.id,
    providerAccountId: identifier,
    userId: user.id,
    type: "email",
    ...emptyTokenSet,
    needsReauth: false
  }

/** Marks the address verified. Only `emailVerified` changes, so the address cannot collide with another. */
const markVerified = (store: Users["Service"], user: User, at: number) =>
  store.updateUser(user.id, { emailVerified: new Date(at) }).pipe(
    Effect.catchTag("EmailTaken", () => Effect.die(new Error("marking an address verified cannot take an address")))
  )

const askSignIn = Effect.fnUntraced(function*(
  provider: EmailProviderConfig,
  identifier: Email,
  existing: User | null,
  verificationRequest: boolean
) {
  const hook = (yield* AuthConfig).callbacks.signIn
  if (hook === undefined) return
  const answer = yield* callHook("signIn", hook, {
    user: existing ?? { id: null, name: null, email: identifier, image: null },
    account: emailAccount(provider, identifier, existing),
    profile: null,
    email: { verificationRequest }
  }).pipe(Effect.catchTag("CallbackFailed", (error) =>
    Effect.logWarning("authfx: the signIn callback failed; access denied", error.cause).pipe(Effect.as(false))
  ))
  if (answer === false) return yield* new AccessDenied({ reason: "SignInCallback" })
  if (typeof answer === "string") return yield* new SignInRedirected({ url: answer })
})

/**
 * Sends a magic link. The token is 32 random bytes; only its keyed hash is stored, for `maxAge`
 * (24 h by default), and the address's oldest pending links beyond `maxPendingLinks` (3) are deleted. Known and unknown addresses take the same path and get the same answer, so the
 * answer tells nobody who has a user here.
 */
export const requestEmailSignIn = Effect.fn("requestEmailSignIn")(function*(input: {
  readonly provider: ProviderId | string
  readonly email: string
  /** Builds the link the mail carries (the HTTP layer knows the public URL). */
  readonly link: (token: Redacted.Redacted<string>, identifier: Email) => string
  readonly host: string
}) {
  const provider = yield* findEmailProvider(input.provider)
  const identifier = Option.getOrUndefined(normalizeEmail(input.email))
  if (identifier === undefined) return yield* new InvalidEmail()
  const store = yield* Users
  const existing = Option.getOrNull(yield* store.getUserByEmail(identifier))
  yield* askSignIn(provider, identifier, existing, true)

  const token = yield* randomSecret(32)
  const [tokenHash] = yield* keyedHashes("verification", tokenMessage(identifier, Redacted.value(token)))
  const now = yield* Clock.currentTimeMillis
  // At most `maxPendingLinks` links per address work: this one and the newest before it (pendingLinks.ts).
  yield* store.createVerificationToken({
    identifier,
    tokenHash: tokenHash!,
    expires: new Date(now + provider.maxAge * 1000)
  }, { max: provider.maxPendingLinks ?? defaultMaxPendingLinks, now: new Date(now) })
  yield* Mailer.use((mailer) =>
    mailer.send(magicLinkMessage({
      to: identifier,
      from: provider.from,
      url: input.link(token, identifier),
      host: input.host,
      validForHours: Math.max(1, Math.round(provider.maxAge / 3600))
    }))
  ).pipe(
    // The visitor is told the mail failed; a link that may still have gone out must not work either.
    Effect.tapError(() => store.consumeVerificationToken(identifier, tokenHash!).pipe(Effect.ignore))
  )
  return { identifier }
})

/**
 * Follows a magic link: the stored hash is consumed in one step (a second or concurrent use finds
 * nothing), an expired one is refused, and the address is marked verified on the user it belongs to
 * (created when there is none). Every failure is the same `Verification`: no oracle for tokens.
 */
export const completeEmailSignIn = Effect.fn("completeEmailSignIn")(function*(input: {
  readonly provider: ProviderId | string
  readonly email: string
  readonly token: Redacted.Redacted<string>
}) {
  const provider = yield* findEmailProvider(input.provider)
  const identifier = Option.getOrUndefined(normalizeEmail(input.email))
  if (identifier === undefined) return yield* new Verification()
  const store = yield* Users
  const config = yield* AuthConfig
  let consumed = Option.none<{ readonly expires: Date }>()
  for (const hash of yield* keyedHashes("verification", tokenMessage(identifier, Redacted.value(input.token)))) {
    consumed = yield* store.consumeVerificationToken(identifier, hash)
    if (Option.isSome(consumed)) break
  }
  const now = yield* Clock.currentTimeMillis
  if (Option.isNone(consumed) || consumed.value.expires.getTime() <= now) return yield* new Verification()

  const existing = Option.getOrNull(yield* store.getUserByEmail(identifier))
  yield* askSignIn(provider, identifier, existing, false)
  let user: User
  let isNewUser = false
  if (existing !== null && existing.emailVerified !== null) {
    user = yield* markVerified(store, existing, now)
    yield* emitEvent("updateUser", config.events.updateUser, { user })
  } else {
    if (existing !== null) {
      // The address was only claimed by that user (say, through a provider that does not verify addresses);
      // its owner just proved it. Putting the owner into that user would hand them a user whose other ways
      // in belong to whoever claimed it (pre-account hijacking): the owner takes the address instead.
      const released = yield* store.updateUser(existing.id, { email: null }).pipe(
        Effect.catchTag("EmailTaken", () => Effect.die(new Error("clearing an address cannot take one")))
      )
      yield* emitEvent("updateUser", config.events.updateUser, { user: released })
    }
    const created = yield* store.createUser({ name: null, email: identifier, emailVerified: new Date(now), image: null })
      .pipe(Effect.map(Option.some), Effect.catchTag("EmailTaken", () => Effect.succeedNone))
    if (Option.isSome(created)) {
      user = created.value
      isNewUser = true
      yield* emitEvent("createUser", config.events.createUser, { user })
    } else {
      // Created by a concurrent sign-in of the same address a moment ago: it is the same person.
      const raced = yield* store.getUserByEmail(identifier)
      if (Option.isNone(raced)) return yield* new Verification()
      user = yield* markVerified(store, raced.value, now)
    }
  }
  const { session, secondFactor } = yield* sessionOrSecondFactor(user, {
    account: null,
    profile: null,
    isNewUser,
    via: provider.id
  })
  // A sign-in waiting for its second factor is told when it completes (pendingSignIn.ts).
  if (secondFactor === null) {
    yield* emitEvent("signIn", config.events.signIn, {
      user,
      account: emailAccount(provider, identifier, user),
      profile: null,
      isNewUser
    })
  }
  return { user, isNewUser, session, secondFactor }
})
