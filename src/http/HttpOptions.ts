import { Context, Effect, Schema } from "effect"
import type { Theme } from "./pages/Theme.ts"

export interface AuthHttpOptions {
  /** Where the API lives. Default "/auth". The pathname of `url`, when it has one, wins (as AUTH_URL does in Auth.js). */
  readonly basePath?: string
  /** The public URL (AUTH_URL). Without it the origin comes from the request, if `trustHost`. */
  readonly url?: string
  /** Trust Host / X-Forwarded-Host / X-Forwarded-Proto for the public origin (AUTH_TRUST_HOST). */
  readonly trustHost?: boolean
  /**
   * How many reverse proxies of ours stand in front of authfx, each appending to X-Forwarded-*: the entry
   * counted this many from the right is the one our outermost proxy added (see forwardedChain.ts). A whole
   * number of at least 1; default 1 with `trustHost`.
   */
  readonly trustedProxies?: number
  readonly cookies?: {
    /** Cookie names are `<prefix>.session-token` …; "authjs" keeps Auth.js's names, so its sessions carry over. */
    readonly prefix?: string
    /** Share the session across subdomains, e.g. ".example.com". */
    readonly domain?: string
    /** Force Secure cookies (and `__Secure-`/`__Host-` names) on or off; default: when the origin is https. */
    readonly secure?: boolean
  }
  readonly theme?: Theme
  /** The largest request body read, in bytes. Default 64 KiB: sign-in forms are small. */
  readonly maxBodyBytes?: number
  /**
   * Answer `GET /session` before the router when it can be done with the same result (see
   * sessionFastPath.ts). Default true; off only to compare the two paths.
   */
  readonly fastSessionPath?: boolean
  /**
   * The JSON a signed-out `GET /session` answers: `"null"` (Auth.js v5, the default) or `"{}"` (NextAuth v4).
   * next-auth 4's browser client logs CLIENT_FETCH_ERROR on `null`; next-auth 5's takes `{}` for a session. The
   * two clients ask in exactly the same way, so the application says which it bundles. authfx's client reads
   * both.
   */
  readonly signedOutSession?: "null" | "{}"
}

export interface ResolvedHttpOptions {
  /** "" for the root, else "/path" without a trailing slash. */
  readonly basePath: "" | `/${string}`
  readonly url: URL | null
  readonly trustHost: boolean
  /** 0 when no proxy is declared (no `trustHost`, no `trustedProxies`): no forwarded header is read then. */
  readonly trustedProxies: number
  readonly cookiePrefix: string
  readonly cookieDomain: string | null
  readonly secureCookies: boolean | null
  readonly theme: Theme
  readonly maxBodyBytes: number
  readonly fastSessionPath: boolean
  readonly signedOutSession: "null" | "{}"
}

export class HttpOptionsInvalid extends Schema.TaggedError<HttpOptionsInvalid>()("HttpOptionsInvalid", {
  message: Schema.String
}) {}

const trimSlashes = (path: string) => "/" + path.replace(/^\/+|\/+$/g, "")

export const resolveHttpOptions = Effect.fnUntraced(function*(options: AuthHttpOptions) {
  let url: URL | null = null
  if (options.url !== undefined && options.url !== "") {
    try {
      url = new URL(options.url)
    } catch {
      return yield* new HttpOptionsInvalid({ message: `url "${options.url}" is not an absolute URL (set AUTH_URL to e.g. https://example.com/auth)` })
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      return yield* new HttpOptionsInvalid({ message: "url must be an http: or https: URL" })
    }
  }
  const fromUrl = url !== null && url.pathname !== "/" ? url.pathname : undefined
  const basePath = trimSlashes(fromUrl ?? options.basePath ?? "/auth")
  const prefix = options.cookies?.prefix ?? "authjs"
  if (!/^[A-Za-z0-9_.-]+$/.test(prefix)) {
    return yield* new HttpOptionsInvalid({ message: "cookies.prefix may only hold letters, digits, '.', '_' and '-'" })
  }
  const trustHost = options.trustHost ?? false
  if (url === null && !trustHost) {
    // Links in e-mails are built from the origin: taking it from an untrusted Host header would let anyone
    // make us mail a sign-in link that points at their server.
    return yield* new HttpOptionsInvalid({
      message: "set url (AUTH_URL, e.g. https://example.com/auth) or trustHost (AUTH_TRUST_HOST=true behind a proxy you control)"
    })
  }
  const trustedProxies = options.trustedProxies ?? (trustHost ? 1 : 0)
  if (options.trustedProxies !== undefined && !(Number.isSafeInteger(trustedProxies) && trustedProxies >= 1)) {
    return yield* new HttpOptionsInvalid({
      message: "trustedProxies must be a whole number of at least 1: the reverse proxies in front of authfx that append to X-Forwarded-*"
    })
  }
  const signedOutSession = options.signedOutSession ?? "null"
  if (signedOutSession !== "null" && signedOutSession !== "{}") {
    return yield* new HttpOptionsInvalid({ message: "signedOutSession must be \"null\" (Auth.js v5) or \"{}\" (NextAuth v4)" })
  }
  const resolved: ResolvedHttpOptions = {
    basePath: basePath === "/" ? "" : (basePath as `/${string}`),
    url,
    trustHost,
    trustedProxies,
    cookiePrefix: prefix,
    cookieDomain: options.cookies?.domain ?? null,
    secureCookies: options.cookies?.secure ?? null,
    theme: options.theme ?? {},
    maxBodyBytes: options.maxBodyBytes ?? 64 * 1024,
    fastSessionPath: options.fastSessionPath ?? true,
    signedOutSession
  }
  return resolved
})

/** The resolved options; its layer is built from resolveAppHttpOptions (emailLinkBase.ts), which checks them against the providers. */
export class HttpOptions extends Context.Service<HttpOptions, ResolvedHttpOptions>()("authfx/http/HttpOptions") {}
