import * as client from "openid-client"
import { InsecureRequestRefused } from "./insecureRequests.ts"

/**
 * What went wrong in a call to openid-client, reduced to the facts the port's errors are chosen by.
 * Nothing from a response body is kept but the OAuth error code: bodies carry tokens and codes.
 */
export type Failure =
  | { readonly _tag: "Timeout" }
  | { readonly _tag: "Network"; readonly code: string | undefined }
  | { readonly _tag: "ServerError"; readonly status: number }
  /** RFC 6749 §5.2 error body below 500; `pkce` when the server said the PKCE verifier was wrong. */
  | { readonly _tag: "OAuthError"; readonly error: string; readonly pkce: boolean }
  /** RFC 6750 §3 WWW-Authenticate challenge: the credentials (client or access token) were refused. */
  | { readonly _tag: "Challenge"; readonly status: number }
  | { readonly _tag: "IdToken"; readonly claim: string | undefined }
  /** A plain-http request refused: by openid-client (`reason` undefined) or by insecureRequests.ts. */
  | { readonly _tag: "Insecure"; readonly reason: string | undefined }
  | { readonly _tag: "Invalid"; readonly reason: string }

/** RFC 6749 error codes are printable ASCII; anything else is not worth repeating in a log. */
export const oauthErrorCode = (value: unknown): string =>
  typeof value === "string" && /^[A-Za-z0-9_.:-]{1,64}$/.test(value) ? value : "unknown_error"

const field = (value: unknown, name: string): unknown =>
  typeof value === "object" && value !== null ? (value as Record<string, unknown>)[name] : undefined

const causes = function*(error: unknown): Generator<unknown> {
  let current = error
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth++) {
    yield current
    current = field(current, "cause")
  }
}

const isAbort = (error: unknown) =>
  error instanceof DOMException && (error.name === "TimeoutError" || error.name === "AbortError")

/** A TypeError from fetch is a network failure; openid-client's own argument errors carry an ERR_ code. */
const isNetwork = (error: unknown) => {
  if (!(error instanceof TypeError)) return false
  const code = field(error, "code")
  return !(typeof code === "string" && code.startsWith("ERR_INVALID_ARG"))
}

const networkCode = (error: unknown): string | undefined => {
  for (const cause of causes(error)) {
    const code = field(cause, "code")
    if (typeof code === "string" && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(code)) return code
  }
  return undefined
}

const statusOf = (value: unknown): number | undefined => {
  const status = field(value, "status")
  return typeof status === "number" ? status : undefined
}

const unavailableStatus = (status: number) => status >= 500 || status === 429

const isPkceRefusal = (description: unknown) =>
  typeof description === "string" && /pkce|code[_ ]verifier/i.test(description)

const fromClientError = (error: client.ClientError): Failure => {
  const inner = error.cause
  switch (error.code) {
    case "OAUTH_TIMEOUT":
    case "OAUTH_ABORT":
      return { _tag: "Timeout" }
    case "OAUTH_HTTP_REQUEST_FORBIDDEN":
    case "OAUTH_REQUEST_PROTOCOL_FORBIDDEN":
      return { _tag: "Insecure", reason: undefined }
    case "OAUTH_RESPONSE_IS_NOT_CONFORM": {
      const status = statusOf(inner) ?? 0
      return unavailableStatus(status)
        ? { _tag: "ServerError", status }
        : { _tag: "Invalid", reason: `the provider answered with HTTP ${status}` }
    }
    case "OAUTH_RESPONSE_IS_NOT_JSON":
      return { _tag: "Invalid", reason: "the provider's answer is not JSON" }
    case "OAUTH_PARSE_ERROR":
      return { _tag: "Invalid", reason: "the provider's answer could not be parsed" }
    case "OAUTH_JWT_CLAIM_COMPARISON_FAILED":
    case "OAUTH_JWT_TIMESTAMP_CHECK_FAILED": {
      const claim = field(field(inner, "cause"), "claim")
      return { _tag: "IdToken", claim: typeof claim === "string" ? claim : undefined }
    }
    case "OAUTH_KEY_SELECTION_FAILED":
      return { _tag: "IdToken", claim: undefined }
    case "OAUTH_INVALID_RESPONSE": {
      // The same code covers a token response without `access_token` and an ID token whose signature
      // or claims are wrong; only the latter is a failed check.
      const message = field(inner, "message")
      return typeof message === "string" && /\bJWT\b|ID Token|id_token/.test(message)
        ? { _tag: "IdToken", claim: undefined }
        : { _tag: "Invalid", reason: "the provider's answer lacks a required field or has one of the wrong type" }
    }
    case "OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED": {
      const attribute = field(field(inner, "cause"), "attribute") ?? field(inner, "attribute")
      return { _tag: "Invalid", reason: `the provider's answer has an unexpected "${String(attribute)}"` }
    }
    default:
      return { _tag: "Invalid", reason: `the provider's answer was refused (${oauthErrorCode(error.code)})` }
  }
}

export const failureOf = (error: unknown): Failure => {
  for (const cause of causes(error)) {
    if (isAbort(cause)) return { _tag: "Timeout" }
    // Thrown by us, inside openid-client's fetch or after discovery; its message names no secret.
    if (cause instanceof InsecureRequestRefused) return { _tag: "Insecure", reason: cause.message }
  }
  if (error instanceof client.ResponseBodyError) {
    return unavailableStatus(error.status) || error.error === "server_error" || error.error === "temporarily_unavailable"
      ? { _tag: "ServerError", status: error.status }
      : { _tag: "OAuthError", error: oauthErrorCode(error.error), pkce: isPkceRefusal(error.error_description) }
  }
  if (error instanceof client.WWWAuthenticateChallengeError) {
    return unavailableStatus(error.status) ? { _tag: "ServerError", status: error.status } : { _tag: "Challenge", status: error.status }
  }
  if (error instanceof client.ClientError) {
    const failure = fromClientError(error)
    // openid-client reports a connection dropped while reading a body as a parse error.
    return failure._tag === "Invalid" && [...causes(error)].some(isNetwork)
      ? { _tag: "Network", code: networkCode(error) }
      : failure
  }
  if (isNetwork(error)) return { _tag: "Network", code: networkCode(error) }
  return { _tag: "Invalid", reason: "the provider's answer could not be used" }
}

/** A sentence for operators; never a token, a code or an address. */
export const describeFailure = (failure: Failure, timeoutMillis: number): string => {
  switch (failure._tag) {
    case "Timeout":
      return `the provider did not answer within ${timeoutMillis} ms`
    case "Network":
      return `the provider could not be reached${failure.code === undefined ? "" : ` (${failure.code})`}`
    case "ServerError":
      return `the provider failed (HTTP ${failure.status})`
    case "OAuthError":
      return failure.error === "invalid_client" || failure.error === "unauthorized_client"
        ? `the provider refused this client (${failure.error}): check its id, secret and authentication method`
        : `the provider refused the request (${failure.error})`
    case "Challenge":
      return `the provider refused the credentials (HTTP ${failure.status})`
    case "IdToken":
      return `the ID token failed its checks${failure.claim === undefined ? "" : ` ("${failure.claim}")`}`
    case "Insecure":
      return failure.reason ?? "the provider's URL is not https (plain http only when all its endpoints are on this machine or https)"
    case "Invalid":
      return failure.reason
  }
}
