import {
  InvalidGrant,
  ProviderCheckFailed,
  ProviderResponseInvalid,
  ProviderUnavailable
} from "../../ports/ProviderClient.ts"
import { describeFailure, type Failure, failureOf } from "./providerFailure.ts"

/**
 * Each operation reads the same failures its own way: `invalid_grant` is a used code in a callback and
 * a spent refresh token in a refresh; a refused access token is an unusable answer to a profile request
 * but a refused client is a provider we cannot use.
 */
interface Context {
  readonly provider: string
  readonly timeoutMillis: number
}

const unavailable = (context: Context, failure: Failure) =>
  new ProviderUnavailable({ provider: context.provider, message: describeFailure(failure, context.timeoutMillis) })

const responseInvalid = (context: Context, failure: Failure) =>
  new ProviderResponseInvalid({ provider: context.provider, message: describeFailure(failure, context.timeoutMillis) })

const isTransport = (failure: Failure) =>
  failure._tag === "Timeout" || failure._tag === "Network" || failure._tag === "ServerError" ||
  failure._tag === "Insecure"

const refusedClient = (failure: Failure) =>
  failure._tag === "OAuthError" && (failure.error === "invalid_client" || failure.error === "unauthorized_client")

/** GitHub's names for a refused code and a refused refresh token, next to RFC 6749's `invalid_grant`. */
const refusedGrant = (failure: Failure) =>
  failure._tag === "OAuthError" &&
  (failure.error === "invalid_grant" || failure.error === "bad_verification_code" || failure.error === "bad_refresh_token")

/** Discovery, authorize and revoke can only say that the provider cannot be used now. */
export const unavailableError = (context: Context) => (error: unknown): ProviderUnavailable =>
  unavailable(context, failureOf(error))

export const callbackError = (context: Context) => (error: unknown) => {
  const failure = failureOf(error)
  const { provider } = context
  if (refusedGrant(failure)) {
    return new ProviderCheckFailed({ provider, check: failure._tag === "OAuthError" && failure.pkce ? "pkce" : "code" })
  }
  if (failure._tag === "IdToken") {
    return new ProviderCheckFailed({ provider, check: failure.claim === "nonce" ? "nonce" : "idToken" })
  }
  if (isTransport(failure) || refusedClient(failure) || failure._tag === "Challenge") return unavailable(context, failure)
  return responseInvalid(context, failure)
}

export const refreshError = (context: Context) => (error: unknown) => {
  const failure = failureOf(error)
  if (refusedGrant(failure)) return new InvalidGrant({ provider: context.provider })
  if (isTransport(failure) || refusedClient(failure) || failure._tag === "Challenge") return unavailable(context, failure)
  return responseInvalid(context, failure)
}

export const profileError = (context: Context) => (error: unknown) => {
  const failure = failureOf(error)
  return isTransport(failure) ? unavailable(context, failure) : responseInvalid(context, failure)
}
