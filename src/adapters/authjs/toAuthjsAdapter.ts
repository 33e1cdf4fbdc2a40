import type { Authenticator } from "../../domain/Passkey.ts"
import type {
  Adapter,
  AdapterAccount,
  AdapterAuthenticator,
  AdapterSession,
  AdapterUser,
  VerificationToken as AuthjsVerificationToken
} from "@auth/core/adapters"
import { Effect, ManagedRuntime, Option, Schema } from "effect"
import { type Account, type AccountKey, ProviderId } from "../../domain/Account.ts"
import type { Session } from "../../domain/Session.ts"
import { Email, type NewUser, type User, UserId, type UserPatch } from "../../domain/User.ts"
import { Users } from "../../ports/Users.ts"
import { decodeAccountOption, toAuthjsAccount } from "./authjsRecords.ts"

/**
 * authfx's Users (memory, PostgreSQL, SQLite, … or the Auth.js bridge itself) as an Auth.js `Adapter`, so
 * an application still on Auth.js can move its storage first and its server later:
 *
 * ```ts
 * const runtime = ManagedRuntime.make(PostgresUsers.layer.pipe(Layer.provide(PostgresClient.layerConfig())))
 * Auth(request, { adapter: toAuthjsAdapter(runtime), session: { strategy: "database" }, … })
 * ```
 *
 * Every method Auth.js calls for users, OAuth and e-mail sign-in and database sessions is here; WebAuthn's
 * authenticator methods are not (authfx has no passkeys yet), so Auth.js refuses a WebAuthn provider at start.
 * Failures reject with the port's tagged errors (`EmailTaken`, `AccountAlreadyLinked`, `UsersUnavailable`,
 * all `Error`s), which Auth.js reports as its AdapterError. Differences from Auth.js's own adapters, each for
 * authfx's guarantees:
 * - Session tokens are stored as their SHA-256 hash (hex), as authfx stores its own: a leaked table cannot
 *   be replayed as cookies, and when the application later switches to authfx (same cookie names), the
 *   sessions Auth.js started stay valid. Auth.js never sees the difference: it looks sessions up by token.
 * - `useVerificationToken` is the store's atomic consume: of concurrent callbacks with one link, one wins.
 * - The store's rules hold: one user per address, one owner per provider account, one account per provider per
 *   user (Auth.js would let a signed-in user link a second GitHub account; here that link is refused).
 * - OAuth tokens are whatever the source store hands out. authfx seals them at rest (adapters/sealedTokens), so
 *   build the source over the sealing decorator with the deployment's KeyStore, as `createAuth` does (its
 *   `auth.runtime` is such a source): `SealedTokensUsers.layer(PostgresUsers.layer)` plus the KeyStore.
 *   Over a bare store, Auth.js writes tokens in clear text (authfx reads and seals them later) and, once authfx
 *   has sealed them, reads `authfx.sealed.v1.…` strings instead of tokens.
 * - Only the token fields authfx models are kept (`expires_in`, `refresh_token_expires_in` and other extra
 *   fields of a token response are dropped); `expires_at` is kept in whole seconds, as Auth.js does. Likewise a
 *   user has Auth.js's default fields only: a custom model's extra ones (`role`) are dropped.
 *
 * It passes Auth.js's own adapter suite over every authfx store (test/adapters/authjs/authjsSuite.*.test.ts).
 */
export type AdapterSource = Users["Service"] | ManagedRuntime.ManagedRuntime<Users, unknown>

const hex = (bytes: ArrayBuffer) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("")

/** The same unkeyed SHA-256 authfx applies to its own session tokens (domain/secretToken.ts `hashToken`). */
const hashSessionToken = async (token: string) =>
  hex(await globalThis.crypto.subtle.digest("SHA-256", new TextEncoder().encode(token)))

const decodeEmail = Schema.decodeUnknownOption(Email)
const decodeProvider = Schema.decodeUnknownOption(ProviderId)

/** Auth.js hands over addresses normalised (trimmed, lower case); an empty or missing one is "no address". */
const emailOrNull = (value: unknown): Email | null => {
  if (value === null || value === undefined || value === "") return null
  return Option.getOrThrowWith(decodeEmail(value), () => new TypeError("Auth.js passed an e-mail address authfx cannot store"))
}

const orNull = <A>(value: A | null | undefined): A | null => (value === undefined ? null : value)

const toAdapterUser = (user: User): AdapterUser =>
  // AdapterUser says `email: string`; authfx has users without an address, which Auth.js copes with.
  ({ id: user.id, name: user.name, email: user.email, emailVerified: user.emailVerified, image: user.image }) as AdapterUser

const toAdapterAccount = (account: Account): AdapterAccount => toAuthjsAccount(account) as AdapterAccount

const fromAdapterAccount = (account: AdapterAccount): Account =>
  Option.getOrThrowWith(decodeAccountOption(account), () => new TypeError("Auth.js passed an account authfx cannot store"))

const keyOf = (input: { readonly provider: string; readonly providerAccountId: string }): Option.Option<AccountKey> =>
  Option.map(decodeProvider(input.provider), (provider) => ({ provider, providerAccountId: input.providerAccountId }))

const toAdapterSession = (session: Session, sessionToken: string): AdapterSession => ({
  sessionToken,
  userId: session.userId,
  expires: session.expires
})

const userIdOf = (id: string): Option.Option<UserId> => Schema.decodeUnknownOption(UserId)(id)

export const toAuthjsAdapter = (source: AdapterSource): Adapter => {
  // Effect.runPromise rejects with the failure itself: a tagged error, an Error subclass.
  const run = ManagedRuntime.isManagedRuntime(source)
    ? <A, E>(use: (store: Users["Service"]) => Effect.Effect<A, E>) =>
      (source as ManagedRuntime.ManagedRuntime<Users, unknown>).runPromise(Users.use(use))
    : <A, E>(use: (store: Users["Service"]) => Effect.Effect<A, E>) =>
      Effect.runPromise(use(source as Users["Service"]))

  const byId = <A>(id: string, none: A, use: (store: Users["Service"], id: UserId) => Effect.Effect<A, unknown>) =>
    Option.match(userIdOf(id), { onNone: () => Promise.resolve(none), onSome: (valid) => run((store) => use(store, valid)) })

  return {
    createUser: (user) => {
      const input: NewUser = {
        name: orNull(user.name),
        email: emailOrNull(user.email),
        emailVerified: orNull(user.emailVerified),
        image: orNull(user.image)
      }
      return run((store) => Effect.map(store.createUser(input), toAdapterUser))
    },
    getUser: (id) =>
      byId(id, null, (store, valid) => Effect.map(store.getUser(valid), (found) => Option.getOrNull(Option.map(found, toAdapterUser)))),
    getUserByEmail: (email) =>
      Option.match(decodeEmail(email), {
        onNone: () => Promise.resolve(null),
        onSome: (valid) =>
          run((store) => Effect.map(store.getUserByEmail(valid), (found) => Option.getOrNull(Option.map(found, toAdapterUser))))
      }),
    getUserByAccount: (input) =>
      Option.match(keyOf(input), {
        onNone: () => Promise.resolve(null),
        onSome: (key) =>
          run((store) => Effect.map(store.getUserByAccount(key), (found) => Option.getOrNull(Option.map(found, toAdapterUser))))
      }),
    updateUser: ({ id, ...fields }) => {
      const patch: { -readonly [K in keyof UserPatch]: UserPatch[K] } = {}
      if (fields.name !== undefined) patch.name = fields.name
      if (fields.email !== undefined) patch.email = emailOrNull(fields.email)
      if (fields.emailVerified !== undefined) patch.emailVerified = fields.emailVerified
      if (fields.image !== undefined) patch.image = fields.image
      return run((store) => Effect.map(store.updateUser(UserId.make(id), patch), toAdapterUser))
    },
    deleteUser: (id) => byId(id, null, (store, valid) => Effect.as(store.deleteUser(valid), null)),

    linkAccount: (account) => {
      const linked = fromAdapterAccount(account)
      return run((store) => Effect.map(store.linkAccount(linked), toAdapterAccount))
    },
    unlinkAccount: (input) =>
      Option.match(keyOf(input), {
        onNone: () => Promise.resolve(undefined),
        onSome: (key) =>
          run((store) =>
            Effect.map(store.unlinkAccount(key), (removed) => Option.getOrUndefined(Option.map(removed, toAdapterAccount)))
          )
      }),
    getAccount: (providerAccountId, provider) =>
      Option.match(keyOf({ provider, providerAccountId }), {
        onNone: () => Promise.resolve(null),
        onSome: (key) =>
          run((store) => Effect.map(store.getAccount(key), (found) => Option.getOrNull(Option.map(found, toAdapterAccount))))
      }),

    // Auth.js does not say which provider a session was signed in with: its sessions have no `via`.
    createSession: async (session) => {
      const tokenHash = await hashSessionToken(session.sessionToken)
      const userId = UserId.make(session.userId)
      return run((store) =>
        Effect.map(store.createSession({ tokenHash, userId, expires: session.expires, via: null }), (created) =>
          toAdapterSession(created, session.sessionToken))
      )
    },
    getSessionAndUser: async (sessionToken) => {
      const tokenHash = await hashSessionToken(sessionToken)
      return run((store) =>
        Effect.map(store.getSessionAndUser(tokenHash), (found) =>
          Option.getOrNull(Option.map(found, ({ session, user }) => ({
            session: toAdapterSession(session, sessionToken),
            user: toAdapterUser(user)
          }))))
      )
    },
    updateSession: async ({ expires, sessionToken }) => {
      const tokenHash = await hashSessionToken(sessionToken)
      return run((store) =>
        Effect.map(
          expires === undefined
            ? Effect.map(store.getSessionAndUser(tokenHash), Option.map(({ session }) => session))
            : store.updateSessionExpiry(tokenHash, expires),
          (found) => Option.getOrNull(Option.map(found, (session) => toAdapterSession(session, sessionToken)))
        )
      )
    },
    deleteSession: async (sessionToken) => {
      const tokenHash = await hashSessionToken(sessionToken)
      return run((store) =>
        Effect.map(store.deleteSession(tokenHash), (found) =>
          Option.getOrNull(Option.map(found, (session) => toAdapterSession(session, sessionToken))))
      )
    },

    // Auth.js stores a hash of the link's token already (SHA-256 of token and secret): it is kept as it is.
    createVerificationToken: (token) =>
      run((store) =>
        Effect.as(
          store.createVerificationToken({ identifier: token.identifier, tokenHash: token.token, expires: token.expires }),
          token
        )
      ),
    useVerificationToken: ({ identifier, token }) =>
      run((store) =>
        Effect.map(store.consumeVerificationToken(identifier, token), (found) =>
          Option.getOrNull(Option.map(found, (consumed): AuthjsVerificationToken => ({
            identifier: consumed.identifier,
            token: consumed.tokenHash,
            expires: consumed.expires
          }))))
      ),

    // Auth.js's experimental WebAuthn: its Authenticator is authfx's, field for field.
    createAuthenticator: (authenticator) =>
      byId(authenticator.userId, authenticator, (store, userId) =>
        Effect.as(store.createAuthenticator(toAuthenticator(authenticator, userId)), authenticator)),
    getAuthenticator: (credentialID) =>
      run((store) =>
        Effect.map(store.getAuthenticator(credentialID), (found) => Option.getOrNull(Option.map(found, toAdapterAuthenticator)))
      ),
    listAuthenticatorsByUserId: (userId) =>
      byId(userId, [], (store, valid) => Effect.map(store.listAuthenticators(valid), (all) => all.map(toAdapterAuthenticator))),
    // Auth.js sets the counter without a condition; the store's compare-and-set takes the value it has now.
    updateAuthenticatorCounter: (credentialID, newCounter) =>
      run((store) =>
        Effect.gen(function*() {
          const found = yield* store.getAuthenticator(credentialID)
          if (Option.isNone(found)) return yield* Effect.fail(new TypeError("no authenticator has this credential id"))
          yield* store.updateAuthenticatorCounter(credentialID, found.value.counter, newCounter)
          return toAdapterAuthenticator({ ...found.value, counter: newCounter })
        })
      )
  }
}

const toAuthenticator = (authenticator: AdapterAuthenticator, userId: UserId): Authenticator => ({
  credentialID: authenticator.credentialID,
  userId,
  providerAccountId: authenticator.providerAccountId,
  credentialPublicKey: authenticator.credentialPublicKey,
  counter: authenticator.counter,
  credentialDeviceType: authenticator.credentialDeviceType,
  credentialBackedUp: authenticator.credentialBackedUp,
  transports: authenticator.transports ?? null
})

const toAdapterAuthenticator = (authenticator: Authenticator): AdapterAuthenticator => ({ ...authenticator })
