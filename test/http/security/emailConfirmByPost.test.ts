/**
 * Magic links with `confirmByPost`: opening the link (what a mail scanner does, or a victim's browser sent to
 * a planted link) shows a page naming the address and spends nothing; the page's button POSTs the link's
 * fields with a CSRF token, and only that signs in, once. Without the option the link signs in on GET, as in
 * Auth.js.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { EmailProviderConfig } from "../../../src/domain/Provider.ts"
import type { Browser } from "../../support/browser.ts"
import { startAuth } from "../../support/httpHarness.ts"
import { testProviders } from "../../support/memoryHarness.ts"
import { all, decodeEntities, one, parseDocument, textOf } from "../pages/parseHtml.ts"

const confirming = testProviders.map((provider) =>
  provider.type === "email" ? ({ ...provider, confirmByPost: true } satisfies EmailProviderConfig) : provider)

let t: Awaited<ReturnType<typeof startAuth>>
let plain: Awaited<ReturnType<typeof startAuth>>
beforeAll(async () => {
  t = await startAuth({ providers: confirming })
  plain = await startAuth()
})
afterAll(async () => {
  await t?.auth.dispose()
  await plain?.auth.dispose()
})

type Served = typeof t

/** Asks for a magic link for `email` (callbackUrl /inbox) and reads it from the outbox of `to`. */
const mailedLink = async (served: Served, email: string, to = email) => {
  const b = served.browser()
  await b.post("/auth/signin/email", { csrfToken: await b.csrfToken(), email, callbackUrl: "/inbox" })
  return served.mailedLink(to)
}

/** The confirming page's form: where it posts and its fields. */
const formOf = async (response: Response) => {
  const form = one(parseDocument(await response.text()), "form")
  const fields = Object.fromEntries(all(form, "input").map((i) => [i.attrs["name"]!, decodeEntities(i.attrs["value"]!)]))
  return { action: decodeEntities(form.attrs["action"]!), fields }
}

const pathOf = (url: string) => {
  const parsed = new URL(url)
  return parsed.pathname + parsed.search
}

const sessionEmail = async (served: Served, b: Browser) =>
  ((await served.session(b)) as { readonly user?: { readonly email?: string } } | null)?.user?.email ?? null

describe("confirmByPost: GET /callback/email shows a page and spends nothing", () => {
  it("the link opens a page naming the address, with one button; no session, and the token still works", async () => {
    const link = await mailedLink(t, "Ada@Example.com", "ada@example.com")
    const b = t.browser()
    const page = await b.get(link)
    expect(page.status).toBe(200)
    expect(page.headers.get("content-type")).toContain("text/html")
    expect(page.headers.get("cache-control")).toContain("no-store")
    // The page's URL holds the token: no request from the page may carry more than our origin as referrer.
    expect(page.headers.get("referrer-policy")).toBe("strict-origin")
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'")
    expect(page.headers.getSetCookie().some((c) => c.startsWith("authjs.session-token"))).toBe(false)
    const html = await page.clone().text()
    expect(textOf(one(parseDocument(html), "main"))).toContain("Sign in to localhost:3000 as ada@example.com?")
    expect(all(parseDocument(html), "script")).toEqual([])
    const form = await formOf(page)
    expect(form.action).toBe("http://localhost:3000/auth/callback/email")
    expect(Object.keys(form.fields).sort()).toEqual(["callbackUrl", "csrfToken", "email", "token"])
    expect(form.fields["email"]).toBe("ada@example.com")
    expect(form.fields["token"]).toBe(new URL(link, t.origin).searchParams.get("token"))
    expect(form.fields["callbackUrl"]).toBe("http://localhost:3000/inbox")
    expect(await sessionEmail(t, b)).toBeNull()

    const signedIn = await b.post(pathOf(form.action), form.fields)
    expect(signedIn.status).toBe(302)
    expect(signedIn.headers.get("location")).toBe("http://localhost:3000/inbox")
    expect(await sessionEmail(t, b)).toBe("ada@example.com")
  })

  it("a scanner fetching the link twice (no cookies) spends nothing: the person's button still signs in", async () => {
    const link = await mailedLink(t, "scanned@example.com")
    for (let i = 0; i < 2; i++) {
      const scanned = await t.browser().get(link)
      expect(scanned.status).toBe(200)
    }
    const b = t.browser()
    const form = await formOf(await b.get(link))
    expect((await b.post(pathOf(form.action), form.fields)).status).toBe(302)
    expect(await sessionEmail(t, b)).toBe("scanned@example.com")
  })

  it("a link without a token or with an address that is not one goes to the Verification error", async () => {
    const b = t.browser()
    for (const query of ["?email=ada%40example.com", "?token=abc", "?token=abc&email=not-an-address", `?token=${"a".repeat(257)}&email=a%40b.co`]) {
      const response = await b.get(`/auth/callback/email${query}`)
      expect(response.status).toBe(302)
      expect(response.headers.get("location")).toBe("http://localhost:3000/auth/error?error=Verification")
    }
  })

  it("an address is shown escaped, and a foreign callbackUrl becomes our base URL on the page", async () => {
    const b = t.browser()
    const response = await b.get(`/auth/callback/email?token=abc&email=${encodeURIComponent("<b>x</b>@example.com")}&callbackUrl=${encodeURIComponent("https://evil.example/")}`)
    const html = await response.clone().text()
    expect(html).not.toContain("<b>x</b>")
    expect(html).toContain("&lt;b&gt;x&lt;/b&gt;@example.com")
    expect((await formOf(response)).fields["callbackUrl"]).toBe("http://localhost:3000/")
  })
})

describe("confirmByPost: POST /callback/email signs in only with a valid CSRF token, once", () => {
  it("without the CSRF token, or from another origin, the POST is refused and the token stays usable", async () => {
    const link = await mailedLink(t, "grace@example.com")
    const b = t.browser()
    const { action, fields } = await formOf(await b.get(link))
    const { csrfToken: _csrfToken, ...withoutCsrf } = fields
    const missing = await b.post(pathOf(action), withoutCsrf)
    expect(missing.headers.get("location")).toBe("http://localhost:3000/auth/signin?error=MissingCSRF")
    const wrong = await b.post(pathOf(action), { ...fields, csrfToken: "0".repeat(64) })
    expect(wrong.headers.get("location")).toBe("http://localhost:3000/auth/signin?error=MissingCSRF")
    const foreign = await b.post(pathOf(action), fields, { origin: "https://evil.example" })
    expect(foreign.headers.get("location")).toBe("http://localhost:3000/auth/signin?error=MissingCSRF")
    // The link's own GET style, turned into a POST (query, no form): refused too.
    const bare = await b.post(link, {})
    expect(bare.headers.get("location")).toBe("http://localhost:3000/auth/signin?error=MissingCSRF")
    expect(await sessionEmail(t, b)).toBeNull()

    expect((await b.post(pathOf(action), fields)).headers.get("location")).toBe("http://localhost:3000/inbox")
    expect(await sessionEmail(t, b)).toBe("grace@example.com")
  })

  it("the same form posted again (or the link after it) is the Verification error and changes nothing", async () => {
    const link = await mailedLink(t, "once@example.com")
    const b = t.browser()
    const { action, fields } = await formOf(await b.get(link))
    expect((await b.post(pathOf(action), fields)).status).toBe(302)
    const other = t.browser()
    const again = await other.post(pathOf(action), { ...fields, csrfToken: await other.csrfToken() })
    expect(again.headers.get("location")).toBe("http://localhost:3000/auth/error?error=Verification")
    expect(await sessionEmail(t, other)).toBeNull()
    // The page itself still opens (it reads nothing), but its button now leads to the same error.
    const reopened = await formOf(await other.get(link))
    expect((await other.post(pathOf(reopened.action), reopened.fields)).headers.get("location"))
      .toBe("http://localhost:3000/auth/error?error=Verification")
  })

  it("a form whose address is not the one the token was sent to is the Verification error", async () => {
    const link = await mailedLink(t, "mallory@example.com")
    const b = t.browser()
    const { action, fields } = await formOf(await b.get(link))
    const swapped = await b.post(pathOf(action), { ...fields, email: "victim@example.com" })
    expect(swapped.headers.get("location")).toBe("http://localhost:3000/auth/error?error=Verification")
    expect(await sessionEmail(t, b)).toBeNull()
  })
})

describe("without confirmByPost (the default, as Auth.js)", () => {
  it("the link signs in on GET, and a second use is the Verification error", async () => {
    const link = await mailedLink(plain, "ada@example.com")
    const b = plain.browser()
    const followed = await b.get(link)
    expect(followed.headers.get("location")).toBe("http://localhost:3000/inbox")
    expect(await sessionEmail(plain, b)).toBe("ada@example.com")
    expect((await plain.browser().get(link)).headers.get("location")).toBe("http://localhost:3000/auth/error?error=Verification")
  })
})
