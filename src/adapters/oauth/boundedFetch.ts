import type * as client from "openid-client"
import type { TokenResponseConformer } from "./OAuthProviderOptions.ts"

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** A token endpoint request: a form body naming its grant. */
const isTokenRequest = (options: client.CustomFetchOptions) =>
  options.body instanceof URLSearchParams && options.body.has("grant_type")

/**
 * Some providers (GitHub) answer a refused grant with `200 {"error": "bad_verification_code"}`; RFC 6749
 * §5.2 says 400. Restoring the status lets the refusal be read as a refusal, not as a token response
 * that lacks its `access_token`. `conform` repairs a provider's own quirks (Twitch's `scope` array).
 */
const conformTokenResponse = async (
  response: Response,
  conform: TokenResponseConformer | undefined
): Promise<Response> => {
  if (response.body === null || response.status < 200 || response.status === 204 || response.status === 304) return response
  if (!(response.headers.get("content-type") ?? "").includes("json")) return response
  const text = await response.text()
  const headers = new Headers(response.headers)
  headers.delete("content-length")
  const rebuilt = (body: string, status: number) => new Response(body, { status, headers })
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return rebuilt(text, response.status)
  }
  if (!isObject(body)) return rebuilt(text, response.status)
  const status = response.status === 200 && typeof body["error"] === "string" && body["access_token"] === undefined
    ? 400
    : response.status
  return conform === undefined ? rebuilt(text, status) : rebuilt(JSON.stringify(conform(body, status)), status)
}

/**
 * The fetch every request to a provider goes through: bounded by `timeoutMillis` whatever signal the
 * library passes (a provider that accepts the connection and never answers must not hold a sign-in
 * open), with token responses conformed first.
 */
export const boundedFetch = (
  base: typeof fetch,
  timeoutMillis: number,
  conform: TokenResponseConformer | undefined
): client.CustomFetch =>
async (url, options) => {
  const timeout = AbortSignal.timeout(timeoutMillis)
  const signal = options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout])
  const response = await base(url, { ...options, signal } as RequestInit)
  return isTokenRequest(options) ? conformTokenResponse(response, conform) : response
}
