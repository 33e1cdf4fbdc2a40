import { HttpServerResponse, type HttpServerRequest } from "effect/http"

const noStoreHeaders = { "cache-control": "private, no-cache, no-store", expires: "0", pragma: "no-cache" }

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

export const htmlPage = (html: string, status = 200) =>
  HttpServerResponse.text(html, { status, contentType: "text/html; charset=utf-8" }).pipe(
    HttpServerResponse.setHeaders({
      ...noStoreHeaders,
      // The built-in pages need no scripts and load nothing from elsewhere; say so to the browser.
      "content-security-policy":
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' https: data:; form-action 'self' https:; frame-ancestors 'none'; base-uri 'none'",
      "x-frame-options": "DENY",
      "referrer-policy": "no-referrer"
    })
  )
