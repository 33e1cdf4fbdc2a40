import type { Browser } from "./browser.ts"

/**
 * Requests the fake browser cannot make: without its Origin header (a non-browser client), with a body
 * that is not a URL-encoded record (raw bytes, invalid escapes), or with hand-made cookie headers.
 */
export const cookieHeader = (cookies: ReadonlyMap<string, string>): string =>
  [...cookies].map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join("; ")

export interface RawRequest {
  readonly method?: string
  readonly headers?: Record<string, string>
  readonly body?: string | Uint8Array<ArrayBuffer>
  /** Sends these cookies (as the browser holds them) unless headers already carry `cookie`. */
  readonly from?: Browser
}

export const rawRequest = (origin: string, path: string, init: RawRequest = {}): Request => {
  const headers: Record<string, string> = {}
  if (init.from !== undefined && init.from.cookies.size > 0) headers["cookie"] = cookieHeader(init.from.cookies)
  Object.assign(headers, init.headers)
  return new Request(new URL(path, origin), {
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    headers,
    redirect: "manual",
    ...(init.body === undefined ? {} : { body: init.body })
  })
}

/** A form POST with a body exactly as given (so `%ff` or `%` reach the server undecoded). */
export const rawFormPost = (origin: string, path: string, body: string, init: Omit<RawRequest, "body"> = {}) =>
  rawRequest(origin, path, {
    ...init,
    method: "POST",
    body,
    headers: { "content-type": "application/x-www-form-urlencoded", ...init.headers }
  })
