import type { HttpServerRequest } from "effect/http"
import { forwardedEntry } from "./forwardedChain.ts"
import type { ResolvedHttpOptions } from "../HttpOptions.ts"

/** What every handler needs to know about where it is answering: computed once per request. */
export interface RequestContext {
  /** The public origin, e.g. "https://app.example.com". */
  readonly origin: string
  /** origin + basePath: where the API lives, e.g. "https://app.example.com/auth". */
  readonly apiUrl: string
  /** Where to go when nothing better is known: the origin, as Auth.js passes `baseUrl` to the redirect callback. */
  readonly baseUrl: string
  readonly secure: boolean
  readonly url: URL
}

// Host header values we accept: a hostname or bracketed IPv6, optional port. Anything else (paths,
// credentials, spaces) is an attack on the links we build, not a host.
const hostPattern = /^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i

/** The public origin, from the configured URL or, when trusted, from the request's host headers. */
export const requestContext = (request: HttpServerRequest.HttpServerRequest, options: ResolvedHttpOptions): RequestContext | null => {
  let origin: string
  if (options.url !== null) {
    origin = options.url.origin
  } else {
    const headers = request.headers
    // A web Request without a Host header still carries its URL (originalUrl is absolute there).
    const fromUrl = URL.canParse(request.originalUrl) ? new URL(request.originalUrl).host : undefined
    // Behind proxies that append, the leftmost entries are the client's: take the one our proxy added. An
    // empty or malformed entry there refuses the request rather than falling back to another entry.
    const forwarded = (name: string) => forwardedEntry(headers[name], options.trustedProxies)
    const host = forwarded("x-forwarded-host") ?? headers["host"]?.trim() ?? fromUrl
    if (host === undefined || !hostPattern.test(host)) return null
    const forwardedProto = forwarded("x-forwarded-proto")?.toLowerCase()
    const proto = forwardedProto === "https" || forwardedProto === "http"
      ? forwardedProto
      : request.protocol ?? (request.originalUrl.startsWith("https:") ? "https" : "http")
    origin = `${proto}://${host.toLowerCase()}`
  }
  let url: URL
  try {
    url = new URL(request.url, origin)
  } catch {
    return null
  }
  return {
    origin,
    apiUrl: origin + options.basePath,
    baseUrl: origin,
    secure: options.secureCookies ?? origin.startsWith("https:"),
    url
  }
}
