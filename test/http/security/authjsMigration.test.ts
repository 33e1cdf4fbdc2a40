import { encode } from "@auth/core/jwt"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startAuth, testSecret } from "../../support/httpHarness.ts"
import { rawRequest } from "../../support/rawRequest.ts"
import { setCookieNamed } from "../../support/setCookies.ts"

/**
 * Users of the Auth.js v5 deployment authfx replaces stay signed in: a session cookie made by @auth/core's
 * own `encode` opens under `authjsSecrets`, shows the same user, and can be signed out for good.
 */

const authjsSecret = "LZnguse5ps7Y4qVuW+lWR/tFYzyCD7gdkaQlw+KIzc56"
const user = { name: "Grace Hopper", email: "grace@example.com", picture: "https://img.example/grace.png" }

type Auth = Awaited<ReturnType<typeof startAuth>>
let migrating: Auth
let migratingHttps: Auth
let plain: Auth

beforeAll(async () => {
  migrating = await startAuth({ authjsSecrets: [authjsSecret] })
  migratingHttps = await startAuth({ http: { url: "https://app.example.com/auth" }, authjsSecrets: ["NKvcEwf91GTONIJIwhVmYzZ+aZuZpnuYxAxW+TGDaX5U", authjsSecret] })
  plain = await startAuth()
})
afterAll(async () => {
  await migrating.auth.dispose()
  await migratingHttps.auth.dispose()
  await plain.auth.dispose()
})

const authjsCookie = (options: { readonly salt?: string; readonly secret?: string; readonly maxAge?: number; readonly sub?: string } = {}) =>
  encode({
    token: { ...user, sub: options.sub ?? crypto.randomUUID() },
    secret: options.secret ?? authjsSecret,
    salt: options.salt ?? "authjs.session-token",
    ...(options.maxAge === undefined ? {} : { maxAge: options.maxAge })
  })

const sessionWith = (auth: Auth, cookie: string) =>
  auth.auth.handler(rawRequest(auth.origin, "/auth/session", { headers: { cookie } }))

const expectNoSessionAndCleared = async (response: Response, name = "authjs.session-token") => {
  expect(response.status).toBe(200)
  expect(await response.text()).toBe("null")
  expect(setCookieNamed(response, name)?.expired).toBe(true)
}

describe("with authjsSecrets", () => {
  it("a cookie from @auth/core's encode is the Auth.js user's session", async () => {
    const token = await authjsCookie()
    expect(JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString())).toMatchObject({ alg: "dir", enc: "A256CBC-HS512" })
    const response = await sessionWith(migrating, `authjs.session-token=${token}`)
    expect(response.status).toBe(200)
    const body = (await response.json()) as { readonly user: unknown; readonly expires: string }
    expect(body.user).toEqual({ name: user.name, email: user.email, image: user.picture })
    expect(new Date(body.expires).getTime()).toBeGreaterThan(Date.now() + 29 * 24 * 3600 * 1000)
  })

  it("the user stays signed in across requests, then sign-out revokes the Auth.js cookie for good", async () => {
    const token = await authjsCookie()
    const b = migrating.browser()
    b.cookies.set("authjs.session-token", token)
    expect(await migrating.session(b)).toMatchObject({ user: { email: user.email } })
    expect(await migrating.session(b)).toMatchObject({ user: { email: user.email } })
    const signOut = await b.post("/auth/signout", { csrfToken: await b.csrfToken() })
    expect(signOut.status).toBe(302)
    expect(setCookieNamed(signOut, "authjs.session-token")?.expired).toBe(true)
    expect(await migrating.session(b)).toBeNull()
    // The same cookie, replayed from a copy.
    await expectNoSessionAndCleared(await sessionWith(migrating, `authjs.session-token=${token}`))
  })

  it("a session update re-seals it under authfx's own key, and the user is the same", async () => {
    const token = await authjsCookie()
    const b = migrating.browser()
    b.cookies.set("authjs.session-token", token)
    const updated = await b.postJson("/auth/session", { csrfToken: await b.csrfToken(), data: {} })
    expect(updated.status).toBe(200)
    const resealed = b.cookies.get("authjs.session-token")!
    expect(resealed).not.toBe(token)
    const header = JSON.parse(Buffer.from(resealed.split(".")[0]!, "base64url").toString()) as { readonly kid: string }
    expect(header.kid).not.toBe(JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString()).kid)
    expect(await migrating.session(b)).toMatchObject({ user: { name: user.name, email: user.email, image: user.picture } })
  })

  it("on https, a __Secure- cookie salted with its own name, made under an older Auth.js secret still accepted", async () => {
    const token = await authjsCookie({ salt: "__Secure-authjs.session-token", secret: "NKvcEwf91GTONIJIwhVmYzZ+aZuZpnuYxAxW+TGDaX5U" })
    const response = await sessionWith(migratingHttps, `__Secure-authjs.session-token=${token}`)
    expect(await response.json()).toMatchObject({ user: { name: user.name, email: user.email, image: user.picture } })
  })

  it("an Auth.js cookie made with another secret is no session and is cleared", async () => {
    await expectNoSessionAndCleared(
      await sessionWith(migrating, `authjs.session-token=${await authjsCookie({ secret: "LB/oPMgMrxDNMJyk9W8MNHOw4v9JaAdzX2RuWDpDU89M" })}`)
    )
  })

  it("an expired Auth.js cookie is no session and is cleared", async () => {
    await expectNoSessionAndCleared(await sessionWith(migrating, `authjs.session-token=${await authjsCookie({ maxAge: -3600 })}`))
  })

  it("an Auth.js cookie with a tampered ciphertext is no session and is cleared", async () => {
    const parts = (await authjsCookie()).split(".")
    const ciphertext = parts[3]!
    parts[3] = (ciphertext[0] === "A" ? "B" : "A") + ciphertext.slice(1)
    await expectNoSessionAndCleared(await sessionWith(migrating, `authjs.session-token=${parts.join(".")}`))
  })

  it("an Auth.js cookie salted for another cookie name (the OAuth state cookie) is no session", async () => {
    await expectNoSessionAndCleared(await sessionWith(migrating, `authjs.session-token=${await authjsCookie({ salt: "authjs.state" })}`))
  })
})

describe("without authjsSecrets", () => {
  it("the same Auth.js cookie is no session and is cleared", async () => {
    await expectNoSessionAndCleared(await sessionWith(plain, `authjs.session-token=${await authjsCookie()}`))
  })

  it("even one made with authfx's own secret as the Auth.js secret", async () => {
    const token = await authjsCookie({ secret: testSecret })
    await expectNoSessionAndCleared(await sessionWith(plain, `authjs.session-token=${token}`))
  })
})
