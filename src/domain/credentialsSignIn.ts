import { Effect, Option, Predicate } from "effect"
import { emptyTokenSet, type ProviderId } from "./Account.ts"
import { signInWithAccount } from "./accountSignIn.ts"
import { AuthConfig, findProvider } from "./AuthConfig.ts"
import { CallbackFailed, callHook } from "./callHook.ts"
import type { CredentialsProviderConfig } from "./Provider.ts"
import { CredentialsSignin, ProviderNotConfigured } from "./SignInError.ts"

const optionalString = (value: unknown): string | null => (Predicate.isString(value) ? value : null)

/**
 * Signs in with credentials checked by the application's `authorize`. The user it vouches for is kept
 * like any provider account (provider = the credentials provider, id = the id authorize returned), so
 * this works with database sessions too — Auth.js allows only JWT here. Credentials never link: a
 * password typed into a browser that is signed in as someone else signs in as its own user.
 */
export const credentialsSignIn = Effect.fn("credentialsSignIn")(function*(input: {
  readonly provider: ProviderId | string
  readonly credentials: Readonly<Record<string, string>>
}) {
  const found = findProvider(yield* AuthConfig, input.provider)
  if (found === undefined || found.type !== "credentials") {
    return yield* new ProviderNotConfigured({ provider: input.provider })
  }
  const provider: CredentialsProviderConfig = found
  const answer = yield* callHook("authorize", provider.authorize, input.credentials).pipe(
    // authorize may refuse with its own code by failing with CredentialsSignin.
    Effect.catchTag("CallbackFailed", (error) =>
      Effect.fail<CredentialsSignin | CallbackFailed>(error.cause instanceof CredentialsSignin ? error.cause : error))
  )
  if (answer === null || !Predicate.isObject(answer)) return yield* new CredentialsSignin({ code: "credentials" })
  const id = (answer as { readonly id?: unknown }).id
  if (!Predicate.isString(id) || id.length === 0) {
    return yield* new CallbackFailed({
      callback: "authorize",
      cause: new Error("authorize must return a user with a non-empty string id, or null")
    })
  }
  return yield* signInWithAccount({
    provider,
    type: "credentials",
    profile: {
      id,
      name: optionalString(answer.name),
      email: optionalString(answer.email),
      emailVerified: answer.emailVerified === true,
      image: optionalString(answer.image)
    },
    tokens: emptyTokenSet,
    linkTo: Option.none(),
    credentials: input.credentials
  })
})
