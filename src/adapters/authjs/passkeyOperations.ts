import type { Adapter, AdapterAuthenticator } from "@auth/core/adapters"
import { Clock, Effect, Option } from "effect"
import type { Authenticator } from "../../domain/Passkey.ts"
import { AuthenticatorExists, PasskeysUnsupported, UserNotFound, type Users, UsersUnavailable } from "../../ports/Users.ts"
import { unavailable } from "./adapterCalls.ts"
import { decodeAuthenticator } from "./authjsRecords.ts"
import type { Bridge } from "./bridge.ts"

type Operations = Pick<
  Users["Service"],
  "createAuthenticator" | "getAuthenticator" | "listAuthenticators" | "updateAuthenticatorCounter"
>
/** A claim outlives any sign-in that read the same counter: those started within it all lose. */
const claimMillis = 10 * 60 * 1000

type PasskeyMethod = "createAuthenticator" | "getAuthenticator" | "listAuthenticatorsByUserId" | "updateAuthenticatorCounter"

/**
 * Passkeys through Auth.js's own WebAuthn adapter methods (unstorage, Prisma, Drizzle have them; pg and Kysely
 * do not: there every passkey operation fails with `PasskeysUnsupported`, naming the missing method).
 *
 * What Auth.js's methods cannot promise, and what the bridge does about it:
 * - The counter's compare-and-set: `updateAuthenticatorCounter` writes unconditionally, so of the callers that read
 *   `expected` only the one that takes the Ledger's claim on (credential, expected) writes — as atomic as the Ledger.
 * - Auth.js has no deleteAuthenticator: unlinking a passkey's account leaves its authenticator in the adapter.
 *   The domain signs in with a passkey only while its webauthn account is linked (as Auth.js does), so it opens
 *   nothing, and the domain's list of a user's passkeys shows only those whose account is linked.
 */
export const passkeyOperations = (bridge: Bridge, adapter: Adapter): Operations => {
  const method = <K extends PasskeyMethod>(name: K) =>
    Effect.suspend(() => {
      const found = adapter[name]
      return typeof found === "function"
        ? Effect.succeed(found.bind(adapter) as NonNullable<Adapter[K]>)
        : Effect.fail(new PasskeysUnsupported({ method: name }))
    })

  const getAuthenticator = (credentialID: string) =>
    Effect.gen(function*() {
      const get = yield* method("getAuthenticator")
      const found = yield* bridge.plain("getAuthenticator", () => get(credentialID))
      return found === null || found === undefined ? Option.none<Authenticator>() : Option.some(yield* decodeAuthenticator(found))
    })

  return {
    createAuthenticator: (authenticator) =>
      Effect.gen(function*() {
        const create = yield* method("createAuthenticator")
        if (Option.isNone(yield* bridge.getUser(authenticator.userId))) return yield* new UserNotFound()
        if (Option.isSome(yield* getAuthenticator(authenticator.credentialID))) return yield* new AuthenticatorExists()
        yield* bridge.call("createAuthenticator", () => create(authenticator as AdapterAuthenticator)).pipe(
          Effect.mapError((error) =>
            error.failure === "UniqueViolation"
              ? new AuthenticatorExists()
              : error.failure === "ForeignKeyViolation"
              ? new UserNotFound()
              : unavailable(error)
          )
        )
        return authenticator
      }),
    getAuthenticator,
    listAuthenticators: (userId) =>
      Effect.gen(function*() {
        const list = yield* method("listAuthenticatorsByUserId")
        const found = yield* bridge.plain("listAuthenticatorsByUserId", () => list(userId))
        return yield* Effect.forEach(found ?? [], decodeAuthenticator)
      }),
    updateAuthenticatorCounter: (credentialID, expected, next) =>
      Effect.gen(function*() {
        const update = yield* method("updateAuthenticatorCounter")
        const current = yield* getAuthenticator(credentialID)
        if (Option.isNone(current) || current.value.counter !== expected) return false
        const now = yield* Clock.currentTimeMillis
        const claimed = yield* bridge.ledger.compareAndSet(
          `authjs:passkey-counter:${encodeURIComponent(credentialID)}:${expected}`,
          Option.none(),
          { value: String(next), expiresAt: new Date(now + claimMillis) }
        ).pipe(Effect.mapError((error) => new UsersUnavailable({ message: "the Ledger could not answer", cause: error })))
        if (!claimed) return false
        yield* bridge.plain("updateAuthenticatorCounter", () => update(credentialID, next))
        return true
      })
  }
}
