import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Callbacks } from "../../../src/domain/AuthConfig.ts"
import type { Browser } from "../../support/browser.ts"
import { startAuth } from "../../support/httpHarness.ts"
import { rawRequest } from "../../support/rawRequest.ts"
import { cookieChanges, type SetCookie, setCookies } from "../../support/setCookies.ts"

/**
 * A JWT session past ~4 KB is split into `authjs.session-token.0`, `.1`, … (Auth.js's names and size),
 * each a cookie a browser keeps; reads reassemble it; every rewrite and sign-out leaves no stale chunk.
 */

const name = "authjs.session-token"
const bigText = "0123456789abcdef".repeat(6000 / 16 + 1).slice(0, 6000)

let t: Awaited<ReturnType<typeof startAuth>>
let huge: Awaited<ReturnType<typeof startAuth>>

/** Adds a 6 KB claim at sign-in; an update with `{big: false}` drops it and `{big: true}` puts it back. */
const callbacks: Callbacks = {
  jwt: ({ token, trigger, session }) => {
    if (trigger === "signIn" || trigger === "signUp") return { ...token, big: bigText }
    if (trigger === "update") {
      const wanted = (session as { readonly big?: unknown } | undefined)?.big
      if (wanted === true) return { ...token, big: bigText }
      if (wanted === "huge") return { ...token, big: bigText.repeat(4) }
      if (wanted === false) {
        const { big: _big, ...rest } = token
        return rest
      }
    }
    return token
  },
  session: ({ session, token }) => ({
    ...session,
    bigLength: typeof token?.["big"] === "string" ? token["big"].length : null
  })
}

let shared: Awaited<ReturnType<typeof startAuth>>

beforeAll(async () => {
  t = await startAuth({ callbacks })
  shared = await startAuth({ callbacks, http: { url: "https://app.example.com/auth", cookies: { domain: ".example.com" } } })
  // An application whose jwt callback stores far more than any cookie jar holds.
  huge = await startAuth({ callbacks: { jwt: ({ token }) => ({ ...token, blob: "z".repeat(20 * 1024) }) } })
})
afterAll(async () => {
  await t.auth.dispose()
  await shared.auth.dispose()
  await huge.auth.dispose()
})

const chunkNames = (count: number) => Array.from({ length: count }, (_, i) => `${name}.${i}`)

const sessionChunks = (response: Response): ReadonlyArray<SetCookie> =>
  setCookies(response).filter((cookie) => cookie.name.startsWith(`${name}.`) && !cookie.expired)

/** Signs in a browser whose session is chunked; returns it and the chunk count. */
const bigSession = async (): Promise<{ readonly browser: Browser; readonly chunks: number; readonly response: Response }> => {
  const browser = t.browser()
  const response = await t.credentialsSignIn(browser)
  expect(response.status).toBe(302)
  const chunks = sessionChunks(response).length
  return { browser, chunks, response }
}

const update = async (b: Browser, big: boolean) => {
  const response = await b.postJson("/auth/session", { csrfToken: await b.csrfToken(), data: { big } })
  expect(response.status).toBe(200)
  return response
}

describe("a session larger than a cookie", () => {
  it("is written as .0, .1, … chunks of at most 4096 bytes each, with the same attributes, and no plain cookie", async () => {
    const { response, chunks } = await bigSession()
    expect(chunks).toBeGreaterThanOrEqual(2)
    const written = sessionChunks(response)
    expect(written.map((c) => c.name)).toEqual(chunkNames(chunks))
    expect(setCookies(response).some((c) => c.name === name)).toBe(false)
    for (const chunk of written) {
      expect(Buffer.byteLength(chunk.raw)).toBeLessThanOrEqual(4096)
      expect(chunk.value.length).toBeLessThanOrEqual(4096 - 160)
      expect(Object.fromEntries(chunk.attributes)).toEqual(Object.fromEntries(written[0]!.attributes))
    }
    expect([...written[0]!.attributes.keys()].sort()).toEqual(["expires", "httponly", "path", "samesite"])
    expect(written[0]!.attributes.get("path")).toBe("/")
    expect(written[0]!.attributes.get("samesite")).toBe("Lax")
    // All but the last chunk are full: the split is by size, not arbitrary.
    for (const chunk of written.slice(0, -1)) expect(chunk.value.length).toBe(4096 - 160)
  })

  it("is reassembled by GET /session, which rewrites nothing", async () => {
    const { browser } = await bigSession()
    const response = await browser.get("/auth/session")
    expect(await response.json()).toMatchObject({ user: { name: "Ada" }, bigLength: 6000 })
    expect(response.headers.getSetCookie()).toEqual([])
  })

  it("is reassembled whatever order the Cookie header lists the chunks in", async () => {
    const { browser, chunks } = await bigSession()
    const reversed = chunkNames(chunks).reverse().map((chunk) => `${chunk}=${browser.cookies.get(chunk)}`).join("; ")
    const response = await t.auth.handler(rawRequest(t.origin, "/auth/session", { headers: { cookie: reversed } }))
    expect(await response.json()).toMatchObject({ bigLength: 6000 })
  })

  it("shrinking it (an update whose jwt callback drops the claim) expires every chunk and writes the plain cookie", async () => {
    const { browser, chunks } = await bigSession()
    const response = await update(browser, false)
    expect(await response.json()).toMatchObject({ user: { name: "Ada" }, bigLength: null })
    expect(cookieChanges(response)).toEqual({ set: [name], expired: chunkNames(chunks) })
    expect([...browser.cookies.keys()].filter((c) => c.startsWith(name))).toEqual([name])
    expect(await t.session(browser)).toMatchObject({ user: { name: "Ada" }, bigLength: null })
  })

  it("growing it again expires the plain cookie and writes chunks", async () => {
    const { browser, chunks } = await bigSession()
    await update(browser, false)
    const response = await update(browser, true)
    expect(cookieChanges(response)).toEqual({ set: chunkNames(chunks), expired: [name] })
    expect(await t.session(browser)).toMatchObject({ bigLength: 6000 })
  })

  it("sign-out expires every chunk", async () => {
    const { browser, chunks } = await bigSession()
    const response = await browser.post("/auth/signout", { csrfToken: await browser.csrfToken() })
    expect(response.status).toBe(302)
    expect(cookieChanges(response)).toEqual({ set: [], expired: chunkNames(chunks) })
    expect(await t.session(browser)).toBeNull()
  })

  it("a missing last chunk is no session, and the remaining chunks are cleared", async () => {
    const { browser, chunks } = await bigSession()
    browser.cookies.delete(`${name}.${chunks - 1}`)
    const response = await browser.get("/auth/session")
    expect(response.status).toBe(200)
    expect(await response.text()).toBe("null")
    expect(cookieChanges(response)).toEqual({ set: [], expired: chunkNames(chunks - 1) })
  })

  // Found by this suite (a gap left `.0` and `.2` in the browser for good); src/http/session/sessionCookie.ts now
  // expires every present chunk when they cannot be reassembled, as Auth.js does (wire doc §1.5).
  it("a missing middle chunk is no session, and the remaining chunks are cleared", async () => {
    const { browser, chunks } = await bigSession()
    expect(chunks).toBeGreaterThanOrEqual(3)
    browser.cookies.delete(`${name}.1`)
    const response = await browser.get("/auth/session")
    expect(response.status).toBe(200)
    expect(await response.text()).toBe("null")
    expect(cookieChanges(response)).toEqual({ set: [], expired: chunkNames(chunks).filter((c) => c !== `${name}.1`) })
  })

  it("chunks of another session mixed in (a chunk from another browser) are no session and are cleared", async () => {
    const a = await bigSession()
    const b = await bigSession()
    a.browser.cookies.set(`${name}.1`, b.browser.cookies.get(`${name}.1`)!)
    const response = await a.browser.get("/auth/session")
    expect(await response.text()).toBe("null")
    expect(cookieChanges(response)).toEqual({ set: [], expired: chunkNames(a.chunks) })
  })

  it("a stale plain cookie next to the chunks does not shadow them, and is cleared on the next rewrite", async () => {
    const { browser, chunks } = await bigSession()
    browser.cookies.set(name, "stale.plain.cookie.from.before")
    expect(await t.session(browser)).toMatchObject({ bigLength: 6000 })
    const response = await update(browser, true)
    expect(cookieChanges(response)).toEqual({ set: chunkNames(chunks), expired: [name] })
  })

  it("an update that would grow the token past what the codec accepts is 413, and the session stays as it was", async () => {
    const { browser, chunks } = await bigSession()
    const before = [...browser.cookies].filter(([c]) => c.startsWith(name))
    const response = await browser.postJson("/auth/session", { csrfToken: await browser.csrfToken(), data: { big: "huge" } })
    expect(response.status).toBe(413)
    expect(await response.json()).toMatchObject({ error: "PayloadTooLarge" })
    expect(cookieChanges(response)).toEqual({ set: [], expired: [] })
    expect([...browser.cookies].filter(([c]) => c.startsWith(name))).toEqual(before)
    expect(before).toHaveLength(chunks)
    expect(await t.session(browser)).toMatchObject({ bigLength: 6000 })
  })

  it("with cookies.domain, every chunk and every chunk expiry carries the domain and the secure name", async () => {
    const browser = shared.browser()
    const signedIn = await shared.credentialsSignIn(browser)
    const secureName = "__Secure-authjs.session-token"
    const chunks = setCookies(signedIn).filter((c) => c.name.startsWith(`${secureName}.`))
    expect(chunks.length).toBeGreaterThanOrEqual(2)
    const signOut = await browser.post("/auth/signout", { csrfToken: await browser.csrfToken() })
    const expired = setCookies(signOut).filter((c) => c.name.startsWith(`${secureName}.`))
    expect(expired.map((c) => c.name)).toEqual(chunks.map((c) => c.name))
    for (const cookie of [...chunks, ...expired]) {
      expect(cookie.attributes.get("domain"), cookie.raw).toBe(".example.com")
      expect(cookie.attributes.get("secure"), cookie.raw).toBe("")
    }
    expect(expired.every((c) => c.expired)).toBe(true)
  })

  // Found by this suite (the codec died with a RangeError, a 500); sealing now fails with TokenTooLarge,
  // which failureResponse maps to Configuration, as a failing callback is.
  it("a jwt callback making the token larger than the codec allows ends at ?error=Configuration, not a 5xx", async () => {
    const browser = huge.browser()
    const response = await huge.credentialsSignIn(browser)
    expect(response.status).toBe(302)
    expect(response.headers.get("location")).toBe(`${huge.origin}/auth/error?error=Configuration`)
  })
})
