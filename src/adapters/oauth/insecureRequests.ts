import type * as client from "openid-client"

/**
 * When a provider may be spoken to over plain http. Every request to a provider's endpoints can carry a
 * secret — the client secret or assertion, a code and its PKCE verifier, access and refresh tokens — so
 * plain http is acceptable only where no network sees it: this machine. A provider gets plain http only
 * when EVERY endpoint it has (explicit, or named by its discovered metadata) is https or loopback http,
 * and the request-time guard below holds each request to the same rule.
 */

/** What one endpoint URL is, for this rule. */
export type EndpointKind = "https" | "loopbackHttp" | "refused"

/** The decision for one provider. */
export type InsecureRequests =
  /** Every endpoint is https: openid-client keeps refusing anything else. */
  | { readonly _tag: "HttpsOnly" }
  /** Some endpoint is plain http on this machine, the rest https: plain http is allowed for this provider. */
  | { readonly _tag: "LoopbackHttp" }
  /** `endpoint` is plain http to another machine (or no http(s) URL at all): the provider is not used. */
  | { readonly _tag: "Refused"; readonly endpoint: string; readonly message: string }

// 127.0.0.0/8. The URL parser writes every IPv4 spelling (127.1, 0x7f000001, 2130706433) as dotted decimal,
// and a host whose last label is numeric is always parsed as IPv4, so this cannot match a DNS name.
const loopbackV4 = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/

/**
 * Loopback as the socket will reach it, not as a resolver might: "localhost" exactly (Node resolves it from
 * the hosts file), 127.0.0.0/8 and [::1]. Not "localhost." or "*.localhost" (resolved through DNS on some
 * systems), not 0.0.0.0 or [::] (reaches this machine on some systems only), not IPv4-mapped IPv6
 * ([::ffff:7f00:1] — write 127.0.0.1 instead): anything doubtful is refused.
 */
const isLoopbackHost = (hostname: string) => hostname === "localhost" || hostname === "[::1]" || loopbackV4.test(hostname)

const parse = (value: unknown): URL | null =>
  value instanceof URL ? value : typeof value === "string" ? URL.parse(value) : null

export const endpointKind = (value: unknown): EndpointKind => {
  const url = parse(value)
  if (url === null) return "refused"
  if (url.protocol === "https:") return "https"
  // Credentials in an http URL would cross in clear even to this machine's proxies; no endpoint needs them.
  if (url.protocol !== "http:" || url.username !== "" || url.password !== "") return "refused"
  return isLoopbackHost(url.hostname) ? "loopbackHttp" : "refused"
}

/** Scheme and host only: a URL may carry credentials, and a message must not. */
const shown = (value: unknown) => {
  const url = parse(value)
  return url === null ? "a value that is not a URL" : `${url.protocol}//${url.host}`
}

/** The decision over a provider's endpoints, by name (`token`, `token_endpoint`, …); undefined ones are absent. */
export const decideInsecureRequests = (endpoints: Readonly<Record<string, unknown>>): InsecureRequests => {
  let loopback = false
  for (const [endpoint, value] of Object.entries(endpoints)) {
    if (value === undefined) continue
    const kind = endpointKind(value)
    if (kind === "refused") {
      return {
        _tag: "Refused",
        endpoint,
        message: `${endpoint} (${shown(value)}) is not https: plain http is used only for a provider on this machine ` +
          "(127.0.0.0/8, [::1], localhost), never across a network, where its secrets would travel in clear"
      }
    }
    if (kind === "loopbackHttp") loopback = true
  }
  return loopback ? { _tag: "LoopbackHttp" } : { _tag: "HttpsOnly" }
}

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/**
 * The URLs a discovered document (RFC 8414, OpenID Discovery) names that may be requested: every
 * `*_endpoint`, `jwks_uri` and the RFC 8705 mTLS aliases. Documentation links (`op_policy_uri`, …) are
 * only shown to people, never requested, and are left out.
 */
export const metadataEndpoints = (metadata: Readonly<Record<string, unknown>>): Record<string, unknown> => {
  const endpoints: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(metadata)) {
    if (name.endsWith("_endpoint") || name === "jwks_uri") endpoints[name] = value
  }
  const aliases = metadata["mtls_endpoint_aliases"]
  if (isRecord(aliases)) {
    for (const [name, value] of Object.entries(aliases)) {
      if (name.endsWith("_endpoint")) endpoints[`mtls_endpoint_aliases.${name}`] = value
    }
  }
  return endpoints
}

/**
 * Thrown by the request-time guard (from inside openid-client's fetch): a request to a URL that
 * `endpointKind` refuses is never sent. It carries the operator's sentence, never the URL's credentials.
 */
export class InsecureRequestRefused extends Error {
  override readonly name = "InsecureRequestRefused"
}

/**
 * The guard every request to a provider passes: plain http to another machine is refused before it is
 * sent, whatever openid-client allows. openid-client's own switch is per configuration, and a provider
 * with one loopback endpoint has it on; this keeps a URL that was never vetted (one a `userinfoRequest`
 * asks for) from getting a token over the network in clear.
 */
export const refusePlainHttp = (fetch: client.CustomFetch): client.CustomFetch => (url, options) =>
  endpointKind(url) === "refused"
    ? Promise.reject(new InsecureRequestRefused(`a request to ${shown(url)} was not sent: it is not https and not on this machine`))
    : fetch(url, options)
