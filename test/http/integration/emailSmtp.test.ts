/**
 * The e-mail sign-in end to end over real sockets: the REST API on a real port, the real nodemailer Mailer,
 * and a real SMTP server (smtp-server) on 127.0.0.1 receiving the magic link. The test reads the mail the
 * way a person would, follows the link, and tries it again; then the SMTP server goes away.
 */
import { Effect, Layer, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as NodemailerMailer from "../../../src/adapters/mail/NodemailerMailer.ts"
import { type MailMessage, Mailer } from "../../../src/ports/Mailer.ts"
import { decodeEntities } from "../pages/parseHtml.ts"
import { serveAuth, type ServedAuth } from "../../support/nodeAuth.ts"
import type { NodeBrowser } from "../../support/nodeBrowser.ts"
import { type SmtpPeer, startSmtpPeer } from "../../support/smtpPeer.ts"

/**
 * The real nodemailer Mailer, with a note of every message handed to it — so a test can tell what a mail
 * that failed to go out would have carried. Sending is untouched.
 */
const noting = (options: NodemailerMailer.Options, attempted: Array<MailMessage>) =>
  Layer.effect(
    Mailer,
    Effect.map(NodemailerMailer.make(options), (real) =>
      Mailer.of({ send: (message) => Effect.andThen(Effect.sync(() => attempted.push(message)), real.send(message)) }))
  )

/** The one link in the plain-text part, and every href in the HTML part. */
const linksOf = (mail: { readonly text: string | undefined; readonly html: string | undefined }) => ({
  text: (mail.text ?? "").split("\n").filter((line) => /^https?:\/\//.test(line.trim())).map((line) => line.trim()),
  html: [...(mail.html ?? "").matchAll(/href="([^"]*)"/g)].map((match) => decodeEntities(match[1]!))
})

const pathOf = (link: string) => {
  const url = new URL(link)
  return url.pathname + url.search
}

let peer: SmtpPeer
let t: ServedAuth
const browsers: Array<NodeBrowser> = []
const browser = (served: ServedAuth) => {
  const b = served.browser()
  browsers.push(b)
  return b
}

beforeAll(async () => {
  peer = await startSmtpPeer()
  t = await serveAuth({ mailer: NodemailerMailer.layer({ host: "127.0.0.1", port: peer.port, timeoutMillis: 5_000 }) })
})
afterAll(async () => {
  await t?.close()
  await peer?.close()
})

describe("e-mail sign-in through a real SMTP server", () => {
  it("POST /auth/signin/email → /verify-request; the mail carries one link, in text and HTML, on AUTH_URL's origin", async () => {
    const b = browser(t)
    const sent = await b.post(
      "/auth/signin/email",
      { csrfToken: await b.csrfToken(), email: "Grace@Example.com", callbackUrl: "/inbox" },
      // A forged forwarded host must not reach the link: it is built from the configured URL only.
      { "x-forwarded-host": "evil.example", "x-forwarded-proto": "https" }
    )
    expect(sent.status).toBe(302)
    expect(sent.headers.get("location")).toBe(`${t.origin}/auth/verify-request?provider=email&type=email`)
    const page = await b.follow(sent)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain("Check your email")

    const mail = await peer.waitFor("grace@example.com")
    expect(mail.envelope).toEqual({ from: "auth@example.com", to: ["grace@example.com"] })
    expect(mail.subject).toBe(`Sign in to ${new URL(t.origin).host}`)
    const links = linksOf(mail)
    expect(links.text).toHaveLength(1)
    expect(links.html).toEqual(links.text)
    const link = new URL(links.text[0]!)
    expect(link.origin).toBe(t.origin)
    expect(link.pathname).toBe("/auth/callback/email")
    expect(link.searchParams.get("email")).toBe("grace@example.com")
    expect(link.searchParams.get("callbackUrl")).toBe(`${t.origin}/inbox`)
    expect(link.searchParams.get("token")).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(mail.raw).not.toContain("evil.example")

    // Following the link signs in, once.
    const reader = browser(t)
    const followed = await reader.get(pathOf(link.href))
    expect(followed.status).toBe(302)
    expect(followed.headers.get("location")).toBe(`${t.origin}/inbox`)
    expect(reader.cookies.has("authjs.session-token")).toBe(true)
    expect(await t.session(reader)).toStrictEqual({
      user: { name: null, email: "grace@example.com", image: null },
      expires: expect.any(String)
    })

    const replay = browser(t)
    const again = await replay.get(pathOf(link.href))
    expect(again.status).toBe(302)
    expect(again.headers.get("location")).toBe(`${t.origin}/auth/error?error=Verification`)
    expect(replay.cookies.has("authjs.session-token")).toBe(false)
    const errorPage = await replay.follow(again)
    expect(errorPage.status).toBe(403)
    expect(await t.session(replay)).toBeNull()
  })

  it("a link altered on its way (token or address) is Verification, and spends nothing", async () => {
    const b = browser(t)
    await b.post("/auth/signin/email", { csrfToken: await b.csrfToken(), email: "linus@example.com" })
    const link = new URL(linksOf(await peer.waitFor("linus@example.com")).text[0]!)

    const otherAddress = new URL(link)
    otherAddress.searchParams.set("email", "mallory@example.com")
    const forged = await browser(t).get(pathOf(otherAddress.href))
    expect(forged.headers.get("location")).toBe(`${t.origin}/auth/error?error=Verification`)
    const otherToken = new URL(link)
    otherToken.searchParams.set("token", "A".repeat(43))
    expect((await browser(t).get(pathOf(otherToken.href))).headers.get("location")).toBe(`${t.origin}/auth/error?error=Verification`)

    const reader = browser(t)
    expect((await reader.get(pathOf(link.href))).headers.get("location")).toBe(`${t.origin}/`)
    expect(await t.session(reader)).toMatchObject({ user: { email: "linus@example.com" } })
  })

  it("an address that is not one → /auth/signin?error=EmailSignin, no mail", async () => {
    const b = browser(t)
    const before = peer.messages().length
    const response = await b.post("/auth/signin/email", { csrfToken: await b.csrfToken(), email: "not-an-address" })
    expect(response.status).toBe(302)
    expect(response.headers.get("location")).toBe(`${t.origin}/auth/signin?error=EmailSignin`)
    expect(peer.messages()).toHaveLength(before)
  })
})

describe("when the SMTP server is down", () => {
  let downPeer: SmtpPeer
  let down: ServedAuth
  const attempted: Array<MailMessage> = []

  beforeAll(async () => {
    downPeer = await startSmtpPeer()
    down = await serveAuth({ mailer: noting({ host: "127.0.0.1", port: downPeer.port, timeoutMillis: 2_000 }, attempted) })
    // The server goes away after authfx was configured with it: connections are now refused.
    await downPeer.close()
  })
  afterAll(async () => {
    await down?.close()
  })

  it("POST /auth/signin/email → /auth/signin?error=EmailSignin", async () => {
    const b = browser(down)
    const response = await b.post("/auth/signin/email", { csrfToken: await b.csrfToken(), email: "ada@example.com" })
    expect(response.status).toBe(302)
    expect(response.headers.get("location")).toBe(`${down.origin}/auth/signin?error=EmailSignin`)
    const page = await b.follow(response)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain("The e-mail could not be sent.")
    expect(attempted.map((message) => message.to)).toContain("ada@example.com")
  })

  // A mail that could not be sent may still have left: its link must not work once the visitor was told it failed.
  it("the link of the mail that could not be sent does not sign in", async () => {
    const b = browser(down)
    const response = await b.post("/auth/signin/email", { csrfToken: await b.csrfToken(), email: "eve@example.com" })
    expect(response.headers.get("location")).toBe(`${down.origin}/auth/signin?error=EmailSignin`)
    const message = attempted.findLast((m) => m.to === "eve@example.com")!
    const link = Redacted.value(message.text).split("\n").find((line) => line.startsWith("http"))!
    const follower = browser(down)
    const followed = await follower.get(pathOf(link))
    expect(followed.headers.get("location")).toBe(`${down.origin}/auth/error?error=Verification`)
    expect(await down.session(follower)).toBeNull()
  })
})

it("no request of any browser above was answered with a 5xx", () => {
  const exchanges = browsers.flatMap((b) => b.exchanges)
  expect(exchanges.length).toBeGreaterThan(20)
  expect(exchanges.filter((exchange) => exchange.status >= 500)).toEqual([])
})
