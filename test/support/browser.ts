/**
 * A minimal browser for HTTP tests: keeps cookies as a browser would (Path=/ only, expiry honoured,
 * deletion by Max-Age=0), sends them back, sets Origin on POSTs, and never follows redirects by itself so
 * tests can look at each hop.
 */
export interface Browser {
  readonly cookies: Map<string, string>
  readonly get: (url: string, headers?: Record<string, string>) => Promise<Response>
  readonly post: (url: string, form: Record<string, string>, headers?: Record<string, string>) => Promise<Response>
  readonly postJson: (url: string, body: unknown, headers?: Record<string, string>) => Promise<Response>
  /** Follows redirects (302/303) from a response within our origin, returning the last response. */
  readonly follow: (response: Response, limit?: number) => Promise<Response>
  readonly csrfToken: () => Promise<string>
}

export const makeBrowser = (handler: (request: Request) => Promise<Response>, origin: string): Browser => {
  const cookies = new Map<string, string>()
  const absorb = (response: Response) => {
    for (const header of response.headers.getSetCookie()) {
      const [pair, ...attributes] = header.split(";").map((part) => part.trim())
      const eq = pair!.indexOf("=")
      const name = pair!.slice(0, eq)
      const value = decodeURIComponent(pair!.slice(eq + 1))
      const expired = attributes.some((a) => /^max-age=0$/i.test(a)) ||
        attributes.some((a) => /^expires=/i.test(a) && new Date(a.slice(8)).getTime() <= Date.now())
      if (expired) cookies.delete(name)
      else cookies.set(name, value)
    }
    return response
  }
  const cookieHeader = () => [...cookies].map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join("; ")
  const send = async (url: string, init: RequestInit & { headers: Record<string, string> }) =>
    absorb(await handler(new Request(new URL(url, origin), {
      ...init,
      redirect: "manual",
      headers: { ...(cookies.size > 0 ? { cookie: cookieHeader() } : {}), ...init.headers }
    })))
  const browser: Browser = {
    cookies,
    get: (url, headers = {}) => send(url, { method: "GET", headers }),
    post: (url, form, headers = {}) =>
      send(url, {
        method: "POST",
        body: new URLSearchParams(form).toString(),
        headers: { "content-type": "application/x-www-form-urlencoded", origin, ...headers }
      }),
    postJson: (url, body, headers = {}) =>
      send(url, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json", origin, ...headers } }),
    follow: async (response, limit = 10) => {
      let current = response
      for (let i = 0; i < limit && (current.status === 302 || current.status === 303); i++) {
        const location = new URL(current.headers.get("location")!, origin)
        if (location.origin !== origin) return current
        current = await browser.get(location.pathname + location.search)
      }
      return current
    },
    csrfToken: async () => ((await (await browser.get("/auth/csrf")).json()) as { csrfToken: string }).csrfToken
  }
  return browser
}
