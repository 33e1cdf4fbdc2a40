import { Effect, Layer, Option, Redacted } from "effect"
import { TestClock } from "effect/testing"
import * as MemoryKeyStore from "../../src/adapters/memory/MemoryKeyStore.ts"
import * as MemoryLedger from "../../src/adapters/memory/MemoryLedger.ts"
import * as MemoryMailer from "../../src/adapters/memory/MemoryMailer.ts"
import * as MemoryProviderClient from "../../src/adapters/memory/MemoryProviderClient.ts"
import * as MemoryUsers from "../../src/adapters/memory/MemoryUsers.ts"
import * as SealedTokensUsers from "../../src/adapters/sealedTokens/SealedTokensUsers.ts"
import { coreLayer } from "../../src/compose/coreLayer.ts"
import type { ProviderId } from "../../src/domain/Account.ts"
import type { AuthOptions } from "../../src/domain/AuthConfig.ts"
import { completeEmailSignIn, requestEmailSignIn } from "../../src/domain/emailSignIn.ts"
import { completeOAuthSignIn, startOAuthSignIn } from "../../src/domain/oauthSignIn.ts"
import type { Profile } from "../../src/domain/Profile.ts"
import type { CredentialsUser, ProviderConfig } from "../../src/domain/Provider.ts"
import type { User } from "../../src/domain/User.ts"
import { interleaved, interleavedUsers } from "./interleaved.ts"

export const github = "github" as ProviderId
export const google = "google" as ProviderId
export const emailProvider = "email" as ProviderId
export const credentials = "credentials" as ProviderId

/** The application's own user table behind the credentials provider. */
export const credentialUsers: Record<string, CredentialsUser & { readonly password: string }> = {
  ada: { id: "app-ada", name: "Ada", email: "ada@example.com", emailVerified: true, password: "correct horse" },
  bob: { id: "app-bob", name: "Bob", email: null, password: "battery staple" }
}

export const testProviders: ReadonlyArray<ProviderConfig> = [
  { type: "oauth", id: github, name: "GitHub", trustEmail: false },
  { type: "oidc", id: google, name: "Google", trustEmail: true },
  { type: "email", id: emailProvider, name: "Email", maxAge: 24 * 60 * 60, from: "auth@example.com" },
  {
    type: "credentials",
    id: credentials,
    name: "Password",
    fields: { username: { label: "Username", type: "text" }, password: { label: "Password", type: "password" } },
    trustEmail: false,
    authorize: (input) => {
      const found = credentialUsers[input["username"] ?? ""]
      if (found === undefined || found.password !== input["password"]) return null
      const { password: _password, ...user } = found
      return user
    }
  }
]

export const start = Date.UTC(2026, 0, 1)

/**
 * Everything on memory adapters, with a fresh store per build. With `interleaveSeed`, every store and
 * provider call yields to the scheduler a seeded random number of times, so concurrent fibers race.
 */
export const memoryHarness = (options?: Partial<AuthOptions>, interleaveSeed?: number) => {
  // With a seed, the store under the tokens decorator yields too, so the decorator's own read and rewrite race.
  const rawStore = interleaveSeed === undefined
    ? MemoryUsers.layer
    : interleavedUsers(interleaveSeed).pipe(Layer.provide(MemoryUsers.layer))
  const adapters = Layer.mergeAll(
    // Tokens sealed at rest, as createAuth keeps them.
    SealedTokensUsers.layer(rawStore),
    MemoryLedger.layer,
    MemoryMailer.layer(),
    MemoryProviderClient.layer([
      { id: github, type: "oauth", accessTokenSeconds: 3600 },
      { id: google, type: "oidc", accessTokenSeconds: 600 }
    ])
  ).pipe(Layer.provideMerge(MemoryKeyStore.layer({ secrets: [Redacted.make("Jq9bk1vxtQlVitE7Q5cMItZ6SBYYDy7Fkl8YcMvSIhh4")] })))
  const ports = interleaveSeed === undefined ? adapters : interleaved(interleaveSeed).pipe(Layer.provideMerge(adapters))
  return coreLayer({ providers: testProviders, ...options }).pipe(Layer.provideMerge(ports))
}

/** Runs one case on a fresh harness under a TestClock set to `start`. */
export const runCase = <A, E, R extends Layer.Success<ReturnType<typeof memoryHarness>> | TestClock.TestClock>(
  program: Effect.Effect<A, E, R>,
  options?: Partial<AuthOptions>,
  interleaveSeed?: number
): Promise<A> =>
  Effect.runPromise(
    TestClock.setTime(start).pipe(
      Effect.andThen(program),
      Effect.provide(memoryHarness(options, interleaveSeed)),
      Effect.provide(TestClock.layer())
    ) as Effect.Effect<A, unknown>
  )

export type Services = Layer.Success<ReturnType<typeof memoryHarness>>

/** For `it.effect`: sets the TestClock to `start`, then builds a fresh harness and runs the case on it. */
export const run = <A, E, R extends Services>(program: Effect.Effect<A, E, R>, options?: Partial<AuthOptions>) =>
  TestClock.setTime(start).pipe(Effect.andThen(Effect.provide(program, memoryHarness(options))))

/** The whole OAuth round trip, with the scripted provider approving as `profile`; a link flow for `linkTo`. */
export const oauthSignIn = Effect.fnUntraced(function*(
  provider: ProviderId,
  profile: Profile,
  linkTo: Option.Option<User> = Option.none()
) {
  const redirectUri = `http://localhost:3000/auth/callback/${provider}`
  const started = yield* startOAuthSignIn(provider, { redirectUri })
  const params = yield* MemoryProviderClient.ScriptedProvider.use((idp) => idp.approve(started.url, profile))
  return yield* completeOAuthSignIn({ provider, redirectUri, params, checks: started.checks, linkTo })
})

/** Requests a magic link and reads the token back out of the mail the memory Mailer kept. */
export const requestLink = Effect.fnUntraced(function*(email: string) {
  const { identifier } = yield* requestEmailSignIn({
    provider: emailProvider,
    email,
    host: "localhost:3000",
    link: (token, id) =>
      `http://localhost:3000/auth/callback/email?token=${Redacted.value(token)}&email=${encodeURIComponent(id)}`
  })
  const mail = yield* MemoryMailer.Outbox.use((outbox) => outbox.latestTo(identifier))
  const text = Redacted.value(Option.getOrThrow(mail).text)
  const url = new URL(text.split("\n").find((line) => line.startsWith("http"))!)
  return { identifier, token: url.searchParams.get("token")!, email: url.searchParams.get("email")! }
})

export const followLink = (link: { readonly token: string; readonly email: string }) =>
  completeEmailSignIn({ provider: emailProvider, email: link.email, token: Redacted.make(link.token) })

export const profile = (id: string, email: string | null, emailVerified: boolean): Profile => ({
  id,
  name: id,
  email,
  emailVerified,
  image: null
})
