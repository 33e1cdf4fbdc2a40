/**
 * Reads the Set-Cookie headers of a response as a browser would see them, so tests can assert each
 * cookie's exact attributes (and whether it is an expiry) rather than substrings of the header.
 */
export interface SetCookie {
  readonly name: string
  readonly value: string
  /** Attribute names lower-cased; flag attributes (HttpOnly, Secure) map to "". */
  readonly attributes: ReadonlyMap<string, string>
  /** The whole header line, for size checks. */
  readonly raw: string
  /** Max-Age=0 or an Expires in the past: the browser deletes the cookie. */
  readonly expired: boolean
}

export const parseSetCookie = (raw: string): SetCookie => {
  const [pair = "", ...parts] = raw.split(";")
  const eq = pair.indexOf("=")
  const attributes = new Map<string, string>()
  for (const part of parts) {
    const trimmed = part.trim()
    const at = trimmed.indexOf("=")
    if (at < 0) attributes.set(trimmed.toLowerCase(), "")
    else attributes.set(trimmed.slice(0, at).toLowerCase(), trimmed.slice(at + 1))
  }
  const maxAge = attributes.get("max-age")
  const expires = attributes.get("expires")
  const expired = (maxAge !== undefined && Number(maxAge) <= 0) ||
    (expires !== undefined && new Date(expires).getTime() <= Date.now())
  return { name: pair.slice(0, eq).trim(), value: decodeURIComponent(pair.slice(eq + 1).trim()), attributes, raw, expired }
}

export const setCookies = (response: Response): ReadonlyArray<SetCookie> =>
  response.headers.getSetCookie().map(parseSetCookie)

/** The Set-Cookie for `name`, or undefined. Fails the test when the response sets it twice. */
export const setCookieNamed = (response: Response, name: string): SetCookie | undefined => {
  const found = setCookies(response).filter((cookie) => cookie.name === name)
  if (found.length > 1) throw new Error(`${name} is set ${found.length} times in one response`)
  return found[0]
}

/** The names the response sets to a live value, and the names it expires. */
export const cookieChanges = (response: Response) => {
  const all = setCookies(response)
  return {
    set: all.filter((cookie) => !cookie.expired).map((cookie) => cookie.name).sort(),
    expired: all.filter((cookie) => cookie.expired).map((cookie) => cookie.name).sort()
  }
}
