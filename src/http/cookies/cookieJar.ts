import { HttpServerResponse } from "effect/http"
import type { ResolvedHttpOptions } from "../HttpOptions.ts"
import type { RequestContext } from "../request/requestContext.ts"
import { presentChunks, splitChunks } from "./sessionCookieChunks.ts"

type Change =
  | {
    readonly _tag: "Set"
    readonly name: string
    readonly value: string
    readonly expires: Date | null
    readonly shared: boolean
    readonly crossSite: boolean
  }
  | { readonly _tag: "Expire"; readonly name: string; readonly shared: boolean }

/**
 * The cookies a request will set, collected while it runs and written onto whatever response it ends
 * with — a redirect, a page or an error — so a failed callback still clears its OAuth cookie. Every
 * cookie is HttpOnly, SameSite=Lax, Path=/, Secure on https; only the session cookies take the configured
 * domain (`shared`), so CSRF and OAuth cookies stay with the host that set them.
 */
export class CookieJar {
  private readonly changes = new Map<string, Change>()
  private readonly options: ResolvedHttpOptions
  private readonly context: RequestContext
  private readonly requestCookies: Readonly<Record<string, string>>

  constructor(options: ResolvedHttpOptions, context: RequestContext, requestCookies: Readonly<Record<string, string>>) {
    this.options = options
    this.context = context
    this.requestCookies = requestCookies
  }

  set(name: string, value: string, expires: Date | null = null, shared = false): void {
    this.changes.set(name, { _tag: "Set", name, value, expires, shared, crossSite: false })
  }

  /**
   * A cookie a cross-site POST must carry (a form_post provider's callback): SameSite=None, which browsers
   * accept only with Secure — on plain http it stays Lax.
   */
  setCrossSite(name: string, value: string, expires: Date): void {
    this.changes.set(name, { _tag: "Set", name, value, expires, shared: false, crossSite: this.context.secure })
  }

  expire(name: string, shared = false): void {
    if (this.requestCookies[name] !== undefined || this.changes.has(name)) {
      this.changes.set(name, { _tag: "Expire", name, shared })
    }
  }

  /** Writes a session token, chunked when long; chunks the browser holds and no longer needs expire. */
  setSession(name: string, value: string, expires: Date): void {
    const chunks = splitChunks(name, value)
    const used = new Set(chunks.map(([chunk]) => chunk))
    for (const old of presentChunks(this.requestCookies, name)) if (!used.has(old)) this.expire(old, true)
    for (const [chunk, part] of chunks) this.set(chunk, part, expires, true)
  }

  expireSession(name: string): void {
    for (const old of presentChunks(this.requestCookies, name)) this.expire(old, true)
  }

  get isEmpty(): boolean {
    return this.changes.size === 0
  }

  applyTo(response: HttpServerResponse.HttpServerResponse): HttpServerResponse.HttpServerResponse {
    let out = response
    for (const change of this.changes.values()) {
      const base = {
        path: "/",
        httpOnly: true,
        sameSite: "lax" as const,
        secure: this.context.secure,
        ...(change.shared && this.options.cookieDomain !== null ? { domain: this.options.cookieDomain } : {})
      }
      out = change._tag === "Set"
        ? HttpServerResponse.setCookieUnsafe(out, change.name, change.value, {
          ...base,
          ...(change.crossSite ? { sameSite: "none" as const, secure: true } : {}),
          ...(change.expires === null ? {} : { expires: change.expires })
        })
        : HttpServerResponse.setCookieUnsafe(out, change.name, "", { ...base, expires: new Date(0), maxAge: 0 })
    }
    return out
  }
}
