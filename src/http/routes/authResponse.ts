import { HttpServerResponse, type HttpServerRequest } from "effect/http"

const noStoreHeaders = { "cache-control": "private, no-cache, no-store", expires: "0", pragma: "no-cache" }

/**
 * The headers of a JSON answer (`json` below), for a body already serialised: what the synchronous fast path
 * of `GET /session` writes, so that a client cannot tell which path answered.
 */
export const jsonHeaders = (body: string): Readonly<Record<string, string>> => ({
  ...noStoreHeaders,
  "content-type": "application/json",
  "content-length": String(Buffer.byteLength(body))
})

/** Answers that depend on who asks must never be cached by a proxy or the browser. */
export const noStore = (response: HttpServerResponse.HttpServerResponse) =>
  HttpServerResponse.setHeaders(response, noStoreHeaders)

/**
 * A redirect, or — when the client asks with `X-Auth-Return-Redirect: 1`, as Auth.js's client does — the
 * same destination as `{"url": …}` JSON, so a script can follow it itself.
 */
export const redirect = (request: HttpServerRequest.HttpServerRequest, url: string) =>
  request.headers["x-auth-return-redirect"] === "1"
    ? noStore(HttpServerResponse.jsonUnsafe({ url }))
    : HttpServerResponse.redirect(url, { status: 302, headers: noStoreHeaders })

export const json = (body: unknown, status = 200) => noStore(HttpServerResponse.jsonUnsafe(body, { status }))

/**
 * A built-in page. The CSP says what the pages need and nothing more: no scripts, nothing loaded from
 * elsewhere, forms only to us and (after our redirect) to a provider over https — or over http too when
 * we are served over http, which is a development setup with a development IdP. The referrer stays within
 * our origin: browsers then send a real `Origin` on our own forms (with `no-referrer` they send
 * `Origin: null`, which the CSRF check must refuse), and no provider sees the page's query.
 */
export const htmlPage = (html: string, status = 200, secure = true, script?: string) =>
  HttpServerResponse.text(html, { status, contentType: "text/html; charset=utf-8" }).pipe(
    HttpServerResponse.setHeaders({
      ...noStoreHeaders,
      // `script`: the one inline script a page may run (a CSP hash source), with fetches to us only.
      "content-security-policy":
        `default-src 'none'; ${script === undefined ? "" : `script-src ${script}; connect-src 'self'; `}style-src 'unsafe-inline'; img-src 'self' https: data:; form-action 'self' ${secure ? "https:" : "http: https:"}; frame-ancestors 'none'; base-uri 'none'`,
      "x-frame-options": "DENY",
      "referrer-policy": "same-origin"
    })
  )
