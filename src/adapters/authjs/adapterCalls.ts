import type { Adapter } from "@auth/core/adapters"
import { Data, Duration, Effect } from "effect"
import type { UsersUnavailable } from "../../ports/Users.ts"
import {
  type AdapterFailure,
  adapterUnavailable,
  AuthjsAdapterIncomplete,
  classify,
  type ClassifyError
} from "./adapterErrors.ts"

/** The methods every bridge needs (Auth.js marks them all optional; core itself never calls the two deletes). */
const alwaysRequired = [
  "createUser",
  "getUser",
  "getUserByEmail",
  "getUserByAccount",
  "updateUser",
  "deleteUser",
  "linkAccount",
  "unlinkAccount",
  "createSession",
  "getSessionAndUser",
  "updateSession",
  "deleteSession"
] as const

/** E-mail sign-in needs these two; an application without an e-mail provider can opt out of them. */
const verificationMethods = ["createVerificationToken", "useVerificationToken"] as const

type Required = (typeof alwaysRequired)[number]
type Verification = (typeof verificationMethods)[number]

/** The adapter after the check at layer build: the methods the bridge calls are there. */
export type CompleteAdapter =
  & { readonly [K in Required]-?: NonNullable<Adapter[K]> }
  & { readonly [K in Verification]?: Adapter[K] }
  & Pick<
    Adapter,
    "getAccount" | "createAuthenticator" | "getAuthenticator" | "listAuthenticatorsByUserId" | "updateAuthenticatorCounter"
  >

export const checkAdapter = (
  adapter: Adapter,
  verificationTokens: boolean
): Effect.Effect<CompleteAdapter, AuthjsAdapterIncomplete> => {
  const wanted: ReadonlyArray<keyof Adapter> = verificationTokens
    ? [...alwaysRequired, ...verificationMethods]
    : alwaysRequired
  const missing = wanted.filter((method) => typeof adapter[method] !== "function")
  if (missing.length === 0) return Effect.succeed(adapter as CompleteAdapter)
  const emailOnly = missing.every((method) => (verificationMethods as ReadonlyArray<string>).includes(method))
  return Effect.fail(
    new AuthjsAdapterIncomplete({
      missing,
      message: `the Auth.js adapter lacks ${missing.join(", ")}` + (emailOnly
        ? ": without them there is no e-mail sign-in (pass `verificationTokens: false` if no e-mail provider is configured)"
        : ": authfx cannot keep users, accounts and sessions without them")
    })
  )
}

/** One failed adapter call, before the operation decides what it means. */
export class AdapterCallFailed extends Data.TaggedError("AdapterCallFailed")<{
  readonly method: string
  readonly failure: AdapterFailure
  readonly cause: unknown
}> {}

export const unavailable = (error: AdapterCallFailed): UsersUnavailable => adapterUnavailable(error.method, error.cause)

export interface Calls {
  /** Runs one adapter method; a throw, a rejection or no answer in time becomes `AdapterCallFailed`. */
  readonly call: <A>(method: string, run: () => A | PromiseLike<A>) => Effect.Effect<A, AdapterCallFailed>
  /** The same, for operations that expect no failure: any is an outage. */
  readonly plain: <A>(method: string, run: () => A | PromiseLike<A>) => Effect.Effect<A, UsersUnavailable>
}

class NoAnswer extends Error {
  override readonly name = "Timeout"
}

/** An adapter call with no answer after this long fails, unless the options say otherwise. */
export const defaultTimeout = Duration.seconds(10)

export const makeCalls = (options: { readonly timeout?: Duration.Input; readonly classifyError?: ClassifyError }): Calls => {
  const timeout = options.timeout ?? defaultTimeout
  const custom = options.classifyError
  const call = <A>(method: string, run: () => A | PromiseLike<A>): Effect.Effect<A, AdapterCallFailed> =>
    Effect.tryPromise({
      // Through a promise, so an adapter that throws synchronously is caught like one that rejects.
      try: () => Promise.resolve().then(run),
      catch: (cause) => new AdapterCallFailed({ method, failure: classify(cause, custom), cause })
    }).pipe(
      Effect.timeoutOrElse({
        duration: timeout,
        orElse: () => Effect.fail(new AdapterCallFailed({ method, failure: "Other", cause: new NoAnswer() }))
      })
    )
  return { call, plain: (method, run) => Effect.mapError(call(method, run), unavailable) }
}
