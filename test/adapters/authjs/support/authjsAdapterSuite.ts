/**
 * Auth.js's own adapter test suite (`runBasicTests`, vendored in test/vendor/authjs-adapter-tests/) against
 * `toAuthjsAdapter` over one authfx store. Each `*.authjsSuite.test.ts` file calls it with its store.
 *
 * The suite checks the adapter's writes with "simple query functions that return a record directly from the
 * db", which every Auth.js adapter's test writes for its own database. Here they read the store through the
 * `Users` port, past `toAuthjsAdapter` (the code under test), and show the record in Auth.js's shape:
 * - a session is found by the SHA-256 of its token, as authfx keeps it (the cookie's token is never stored);
 * - a verification token cannot be read without consuming it (the port has no such read: a magic link is
 *   single use), so the query consumes it and stores it again, unchanged.
 */
import type { VerificationToken as AuthjsVerificationToken } from "@auth/core/adapters"
import { Effect, type Layer, ManagedRuntime, Option, Redacted, Schema } from "effect"
import { toAuthjsAdapter } from "../../../../src/adapters/authjs/toAuthjsAdapter.ts"
import { type Account, ProviderId } from "../../../../src/domain/Account.ts"
import { type User, UserId } from "../../../../src/domain/User.ts"
import { Users } from "../../../../src/ports/Users.ts"
import { runBasicTests } from "../../../vendor/authjs-adapter-tests/adapter.ts"

const sha256Hex = async (text: string) =>
  Buffer.from(await globalThis.crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))).toString("hex")

const plain = (secret: Redacted.Redacted<string> | null) => (secret === null ? null : Redacted.value(secret))

const userRecord = (user: User) => ({
  id: user.id,
  name: user.name,
  email: user.email,
  emailVerified: user.emailVerified,
  image: user.image
})

/** An account as Auth.js's `accounts` table holds it: `expires_at` in seconds, tokens in clear. */
const accountRecord = (account: Account) => ({
  userId: account.userId,
  type: account.type,
  provider: account.provider,
  providerAccountId: account.providerAccountId,
  access_token: plain(account.accessToken),
  refresh_token: plain(account.refreshToken),
  id_token: plain(account.idToken),
  expires_at: account.expiresAt === null ? null : account.expiresAt.getTime() / 1000,
  token_type: account.tokenType,
  scope: account.scope,
  session_state: account.sessionState
})

const userId = Schema.decodeUnknownOption(UserId)
const providerId = Schema.decodeUnknownOption(ProviderId)

/** Registers Auth.js's adapter suite for `toAuthjsAdapter` over the store `storeLayer` builds. */
export const runAuthjsAdapterSuite = (storeLayer: Layer.Layer<Users, unknown>): void => {
  const runtime = ManagedRuntime.make(storeLayer)
  const read = <A>(use: (store: Users["Service"]) => Effect.Effect<A, unknown>) => runtime.runPromise(Users.use(use))

  void runBasicTests({
    adapter: toAuthjsAdapter(runtime),
    testWebAuthnMethods: true,
    // Every case runs, the WebAuthn authenticator methods too (authfx keeps passkeys in every store).
    skipTests: [],
    db: {
      disconnect: () => runtime.dispose(),
      user: (id: string) =>
        Option.match(userId(id), {
          onNone: () => Promise.resolve(null),
          onSome: (valid) => read((store) => Effect.map(store.getUser(valid), (found) => Option.getOrNull(Option.map(found, userRecord))))
        }),
      account: ({ provider, providerAccountId }) =>
        Option.match(providerId(provider), {
          onNone: () => Promise.resolve(null),
          onSome: (valid) =>
            read((store) =>
              Effect.map(store.getAccount({ provider: valid, providerAccountId }), (found) =>
                Option.getOrNull(Option.map(found, accountRecord)))
            )
        }),
      session: async (sessionToken: string) => {
        const tokenHash = await sha256Hex(sessionToken)
        return read((store) =>
          Effect.map(store.getSessionAndUser(tokenHash), (found) =>
            Option.getOrNull(Option.map(found, ({ session }) => ({
              sessionToken,
              userId: session.userId,
              expires: session.expires
            }))))
        )
      },
      // The stored authenticator, read from the store itself (Auth.js's record is the same fields).
      authenticator: (credentialID: string) =>
        read((store) => Effect.map(store.getAuthenticator(credentialID), (found) => Option.getOrNull(Option.map(found, (a) => ({ ...a }))))),
      verificationToken: ({ identifier, token }) =>
        read((store) =>
          Effect.flatMap(store.consumeVerificationToken(identifier, token), (found) =>
            Option.match(found, {
              onNone: () => Effect.succeed(null),
              onSome: (consumed) =>
                Effect.as(store.createVerificationToken(consumed), {
                  identifier: consumed.identifier,
                  token: consumed.tokenHash,
                  expires: consumed.expires
                } satisfies AuthjsVerificationToken)
            }))
        )
    }
  })
}
