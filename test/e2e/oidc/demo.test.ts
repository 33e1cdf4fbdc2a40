/**
 * The demo server (`startDemo`, what `npm start` runs) configured by environment for an OpenID Provider:
 * OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET (provider id `idp`, client_secret_basic, redirect URI
 * AUTH_URL/callback/idp), its SQLite file in a temporary directory. Over real HTTP: the provider is listed,
 * a person signs in through it, and the demo's home page shows who is signed in.
 */
import { Option, Redacted } from "effect"
import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { startDemo } from "../../../src/demo/server.ts"
import { ProviderId } from "../../../src/domain/Account.ts"
import { Users } from "../../../src/ports/Users.ts"
import { makeNodeBrowser, type NodeBrowser } from "../../support/nodeBrowser.ts"
import { type OidcPeer, startOidcPeer } from "../../support/oidcPeer.ts"

type Demo = NonNullable<Awaited<ReturnType<typeof startDemo>>>

/** A port nothing listens on right now (the demo takes PORT, not a listening socket). */
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = createServer()
    probe.once("error", reject)
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo
      probe.close(() => resolve(port))
    })
  })

const clientSecretValue = randomBytes(24).toString("base64url")

let peer: OidcPeer
let dir: string
const browsers: Array<NodeBrowser> = []

beforeAll(async () => {
  peer = await startOidcPeer({
    accounts: [
      { sub: "dana", claims: { email: "dana@idp.example", email_verified: true, name: "Dana Scully" } },
      // An IdP account whose (verified) address is also the address of a user who signs in by e-mail.
      { sub: "mallory", claims: { email: "erin@mail.example", email_verified: true, name: "Mallory" } }
    ]
  })
  dir = mkdtempSync(join(tmpdir(), "authfx-e2e-demo-"))
})
afterAll(async () => {
  await peer?.stop()
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  const exchanges = browsers.flatMap((b) => b.exchanges)
  expect(exchanges.length).toBeGreaterThan(10)
  expect(exchanges.filter((exchange) => exchange.status >= 500)).toEqual([])
  expect(peer?.serverErrors).toEqual([])
})

/** The demo with OIDC_ISSUER, its log kept from the test's output (the magic links printed on it included). */
const startIdpDemo = async (name: string, env: Readonly<Record<string, string>>) => {
  const port = await freePort()
  const origin = `http://127.0.0.1:${port}`
  const clientId = `authfx-demo-${name}`
  peer.addClient({ clientId, clientSecret: clientSecretValue, auth: "client_secret_basic", redirectUris: [`${origin}/auth/callback/idp`] })
  const log = vi.spyOn(console, "log").mockImplementation(() => {})
  try {
    const started = await startDemo({
      PORT: String(port),
      HOST: "127.0.0.1",
      AUTH_URL: `${origin}/auth`,
      AUTH_SECRET: randomBytes(33).toString("base64"),
      OIDC_ISSUER: peer.issuer,
      OIDC_CLIENT_ID: clientId,
      OIDC_CLIENT_SECRET: clientSecretValue,
      AUTHFX_DB_FILE: join(dir, `demo-${name}.sqlite`),
      ...env
    })
    if (started === undefined) throw new Error("the demo did not start")
    return { demo: started, origin }
  } finally {
    log.mockRestore()
  }
}

const browserAt = (origin: string) => {
  const b = makeNodeBrowser(origin)
  browsers.push(b)
  return b
}

/** A magic-link sign-in of `email` in `b`: without SMTP_HOST the demo prints the link on the console. */
const emailSignIn = async (b: NodeBrowser, email: string) => {
  const log = vi.spyOn(console, "log").mockImplementation(() => {})
  try {
    expect((await b.post("/auth/signin/email", { csrfToken: await b.csrfToken(), email })).status).toBe(302)
    const printed = log.mock.calls.map((call) => String(call[0])).find((line) => line.includes(`sign-in link for ${email}`))
    const link = printed?.split("\n").map((line) => line.trim()).find((line) => line.startsWith("http"))
    if (link === undefined) throw new Error("the demo printed no sign-in link")
    const url = new URL(link)
    return await b.get(url.pathname + url.search)
  } finally {
    log.mockRestore()
  }
}

/** Signs in through the IdP as `account` in `b`: the callback's answer. */
const idpSignIn = async (b: NodeBrowser, account: string) => {
  const start = await b.post("/auth/signin/idp", { csrfToken: await b.csrfToken(), callbackUrl: "/" })
  const callback = await peer.signIn(start.headers.get("location") ?? "", { account })
  return b.get(callback.url)
}

const sessionEmail = async (b: NodeBrowser) =>
  ((await (await b.get("/auth/session")).json()) as { readonly user?: { readonly email?: string } } | null)?.user?.email ?? null

describe("the demo's IdP and e-mail users (OIDC_TRUST_EMAIL)", () => {
  // The IdP is whatever OIDC_ISSUER names; its accounts may carry any address it let them claim. Unless the
  // operator says the IdP verifies addresses, an IdP account never becomes the user who proved one by e-mail.
  it("without OIDC_TRUST_EMAIL, an IdP account with an e-mail user's address is refused and does not become that user", async () => {
    const { demo, origin } = await startIdpDemo("untrusted", {})
    try {
      const erin = browserAt(origin)
      expect((await emailSignIn(erin, "erin@mail.example")).status).toBe(302)
      expect(await sessionEmail(erin)).toBe("erin@mail.example")

      const mallory = browserAt(origin)
      const back = await idpSignIn(mallory, "mallory")
      expect(back.status).toBe(302)
      expect(new URL(back.headers.get("location") ?? "").searchParams.get("error")).toBe("OAuthAccountNotLinked")
      expect(await sessionEmail(mallory)).toBeNull()
    } finally {
      await demo.stop()
    }
  })

  it("with OIDC_TRUST_EMAIL=true, the IdP's verified address signs into the user holding it", async () => {
    const { demo, origin } = await startIdpDemo("trusted", { OIDC_TRUST_EMAIL: "true" })
    try {
      const erin = browserAt(origin)
      await emailSignIn(erin, "erin@mail.example")
      const viaIdp = browserAt(origin)
      expect((await idpSignIn(viaIdp, "mallory")).headers.get("location")).toBe(`${origin}/`)
      expect(await sessionEmail(viaIdp)).toBe("erin@mail.example")
    } finally {
      await demo.stop()
    }
  })
})

describe.each(["jwt", "database"] as const)("the demo with OIDC_ISSUER, SESSION_STRATEGY=%s", (strategy) => {
  let demo: Demo
  let origin: string

  beforeAll(async () => {
    const started = await startIdpDemo(strategy, { SESSION_STRATEGY: strategy })
    demo = started.demo
    origin = started.origin
  })
  afterAll(async () => {
    await demo?.stop()
  })

  const browser = () => browserAt(origin)

  it("GET /auth/providers lists the OIDC provider as idp", async () => {
    const response = await browser().get("/auth/providers")
    expect(response.status).toBe(200)
    const providers = (await response.json()) as Record<string, unknown>
    expect(providers["idp"]).toStrictEqual({
      id: "idp",
      name: "Identity provider",
      type: "oidc",
      signinUrl: `${origin}/auth/signin/idp`,
      callbackUrl: `${origin}/auth/callback/idp`
    })
  })

  it("a sign-in through the IdP over real HTTP ends on the home page, which shows the session's e-mail", async () => {
    const b = browser()
    const home = await b.get("/")
    expect(home.status).toBe(200)
    expect(await home.text()).toContain("You are not signed in.")

    const start = await b.post("/auth/signin/idp", { csrfToken: await b.csrfToken(), callbackUrl: `${origin}/` })
    expect(start.status).toBe(302)
    const authorize = new URL(start.headers.get("location") ?? "")
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${peer.issuer}/auth`)
    expect(authorize.searchParams.get("client_id")).toBe(`authfx-demo-${strategy}`)
    expect(authorize.searchParams.get("redirect_uri")).toBe(`${origin}/auth/callback/idp`)

    const exchanged = peer.grants("authorization_code")
    const callback = await peer.signIn(authorize.href, { account: "dana" })
    const back = await b.get(callback.url)
    expect(back.status).toBe(302)
    expect(back.headers.get("location")).toBe(`${origin}/`)
    // client_secret_basic worked: the code was exchanged.
    expect(peer.grants("authorization_code").success).toBe(exchanged.success + 1)

    const page = await b.follow(back)
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain(`<strong id="session-email">dana@idp.example</strong>`)
    expect(html).toContain("Dana Scully")
    expect(await (await b.get("/auth/session")).json()).toMatchObject({
      user: { name: "Dana Scully", email: "dana@idp.example" }
    })
    // The session cookie is a JWT (three or five dot-separated parts) or a database session's opaque token.
    const cookie = b.cookies.get("authjs.session-token") ?? ""
    expect(cookie.split(".").length > 1).toBe(strategy === "jwt")
    // The account and its tokens went into the demo's SQLite file.
    const account = await demo.auth.runtime.runPromise(
      Users.use((store) => store.getAccount({ provider: ProviderId.make("idp"), providerAccountId: "dana" }))
    )
    expect(Option.isSome(account)).toBe(true)
    const stored = Option.getOrThrow(account)
    expect([stored.type, stored.accessToken !== null, stored.refreshToken !== null, stored.idToken !== null])
      .toEqual(["oidc", true, true, true])
    // …sealed: the file itself holds none of them in clear text.
    const file = new DatabaseSync(join(dir, `demo-${strategy}.sqlite`), { readOnly: true })
    try {
      const row = file.prepare("SELECT access_token, refresh_token, id_token FROM accounts WHERE provider_account_id = 'dana'")
        .get()
      const kept = [row?.["access_token"], row?.["refresh_token"], row?.["id_token"]].map(String)
      expect(kept.every((text) => text.startsWith("authfx.sealed.v1."))).toBe(true)
      for (const token of [stored.accessToken, stored.refreshToken, stored.idToken]) {
        expect(kept.some((text) => text.includes(Redacted.value(token!)))).toBe(false)
      }
    } finally {
      file.close()
    }
  })
})
