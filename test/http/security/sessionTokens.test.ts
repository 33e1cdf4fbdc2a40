import { CompactSign, exportJWK, exportSPKI, generateKeyPair, importJWK, type JWK } from "jose"
import { randomBytes } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Browser } from "../../support/browser.ts"
import { startAuth, testSecret } from "../../support/httpHarness.ts"
import { rawRequest } from "../../support/rawRequest.ts"
import { setCookieNamed, setCookies } from "../../support/setCookies.ts"
import { kidOf, makeTokenForge, sessionClaims, tamperPart } from "../../support/tokenForgery.ts"

/**
 * A session cookie authfx did not issue, or no longer honours, is no session: GET /session answers
 * `200 null` and clears the cookie — never a 5xx, never someone's session.
 */

const sessionCookie = "authjs.session-token"
const otherSecret = "FX9SNVqtzHWTPKvbQ1jRHheegPcWx0yOH50HQE9SwPlZ"

type Auth = Awaited<ReturnType<typeof startAuth>>
let jwt: Auth
let database: Auth
let other: Auth
let signed: Auth
let forge: ReturnType<typeof makeTokenForge>

beforeAll(async () => {
  jwt = await startAuth()
  database = await startAuth({ session: { strategy: "database" } })
  other = await startAuth({ secret: otherSecret })
  signed = await startAuth({ sessionKeys: { alg: "RS256" } })
  forge = makeTokenForge(testSecret)
})
afterAll(async () => {
  await jwt.auth.dispose()
  await database.auth.dispose()
  await other.auth.dispose()
  await signed.auth.dispose()
  await forge.dispose()
})

/** GET /session with exactly this session cookie (sent raw, so any bytes can be tried). */
const sessionWith = (auth: Auth, cookieHeader: string) =>
  auth.auth.handler(rawRequest(auth.origin, "/auth/session", { headers: { cookie: cookieHeader } }))

const expectNoSessionAndCleared = async (response: Response, names: ReadonlyArray<string> = [sessionCookie]) => {
  expect(response.status).toBe(200)
  expect(await response.text()).toBe("null")
  for (const name of names) {
    const cleared = setCookieNamed(response, name)
    expect(cleared, `${name} is cleared`).toBeDefined()
    expect(cleared!.expired).toBe(true)
    expect(cleared!.attributes.get("max-age")).toBe("0")
    expect(cleared!.attributes.get("path")).toBe("/")
  }
}

const signedIn = async (auth: Auth): Promise<{ readonly browser: Browser; readonly token: string }> => {
  const browser = auth.browser()
  await auth.credentialsSignIn(browser)
  const token = browser.cookies.get(sessionCookie)
  if (token === undefined) throw new Error("sign-in set no session cookie")
  return { browser, token }
}

describe("JWT sessions", () => {
  it("control: a token sealed with this deployment's key is a session (so the forgeries below are refused for what they are)", async () => {
    const response = await sessionWith(jwt, `${sessionCookie}=${await forge.seal(sessionClaims(3600))}`)
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ user: { name: "Mallory", email: "mallory@example.com", image: null } })
    expect(setCookieNamed(response, sessionCookie)).toBeUndefined()
  })

  it("control: the real cookie works as given", async () => {
    const { token } = await signedIn(jwt)
    expect(await (await sessionWith(jwt, `${sessionCookie}=${token}`)).json()).toMatchObject({ user: { name: "Ada" } })
  })

  it.each([0, 1, 2, 3, 4])("a token with part %i tampered is no session and is cleared", async (part) => {
    const { token } = await signedIn(jwt)
    expect(token.split(".")).toHaveLength(5)
    await expectNoSessionAndCleared(await sessionWith(jwt, `${sessionCookie}=${tamperPart(token, part)}`))
  })

  it("a token made by a deployment with another secret is no session and is cleared", async () => {
    const { token } = await signedIn(other)
    expect(await (await sessionWith(other, `${sessionCookie}=${token}`)).json()).toMatchObject({ user: { name: "Ada" } })
    await expectNoSessionAndCleared(await sessionWith(jwt, `${sessionCookie}=${token}`))
  })

  it("an expired token (exp an hour ago) is no session and is cleared", async () => {
    await expectNoSessionAndCleared(await sessionWith(jwt, `${sessionCookie}=${await forge.seal(sessionClaims(-3600))}`))
  })

  it("a token expired 5 s ago (inside jose's clock tolerance) is still no session", async () => {
    await expectNoSessionAndCleared(await sessionWith(jwt, `${sessionCookie}=${await forge.seal(sessionClaims(-5))}`))
  })

  it("an authentic token without the claims of a session (no sub, no jti) is no session and is cleared", async () => {
    const token = await forge.seal({ exp: Math.floor(Date.now() / 1000) + 3600, name: "Nobody" })
    await expectNoSessionAndCleared(await sessionWith(jwt, `${sessionCookie}=${token}`))
  })

  it.each([["the real key", true], ["a kid the deployment does not know", false]])(
    "alg: none naming %s is no session and is cleared",
    async (_name, real) => {
      const kid = real ? kidOf((await signedIn(jwt)).token) : undefined
      await expectNoSessionAndCleared(await sessionWith(jwt, `${sessionCookie}=${await forge.algNone(sessionClaims(3600), kid)}`))
    }
  )

  it.each([["the real key", true], ["a kid the deployment does not know", false]])(
    "HS256 under the bytes of the session encryption key (algorithm confusion), naming %s, is no session and is cleared",
    async (_name, real) => {
      const kid = real ? kidOf((await signedIn(jwt)).token) : undefined
      const token = await forge.hmacUnderEncryptionKey(sessionClaims(3600), kid)
      await expectNoSessionAndCleared(await sessionWith(jwt, `${sessionCookie}=${token}`))
    }
  )

  it("HS256 under the secret string itself is no session and is cleared", async () => {
    const token = await forge.hmacUnderSecret(sessionClaims(3600))
    await expectNoSessionAndCleared(await sessionWith(jwt, `${sessionCookie}=${token}`))
  })

  it("a token sealed under the OAuth-checks key (another purpose of the same secret) is no session and is cleared", async () => {
    const token = await forge.seal(sessionClaims(3600), "checks")
    await expectNoSessionAndCleared(await sessionWith(jwt, `${sessionCookie}=${token}`))
  })

  const truncations: ReadonlyArray<readonly [string, (token: string) => string]> = [
    ["the last 10 characters cut", (token) => token.slice(0, -10)],
    ["the tag part dropped", (token) => token.split(".").slice(0, 4).join(".")],
    ["only the header", (token) => token.split(".")[0]!],
    ["only the first half", (token) => token.slice(0, Math.floor(token.length / 2))]
  ]
  it.each(truncations)("a truncated token (%s) is no session and is cleared", async (_, cut) => {
    const { token } = await signedIn(jwt)
    await expectNoSessionAndCleared(await sessionWith(jwt, `${sessionCookie}=${cut(token)}`))
  })

  const garbage: ReadonlyArray<readonly [string, string]> = [
    ["a.b.c", "a.b.c"],
    ["a.b.c.d.e", "a.b.c.d.e"],
    ["....", "...."],
    ["20 KB of letters", "x".repeat(20 * 1024)],
    ["20 KB shaped like a JWE", ["eyJhbGciOiJkaXIifQ", "", "a".repeat(5000), "b".repeat(10000), "c".repeat(5000)].join(".")],
    ["random base64url", randomBytes(300).toString("base64url")],
    ["a JSON header naming no alg", `${Buffer.from("{}").toString("base64url")}.e30.`],
    ["a header that is not JSON", `${Buffer.from("not json").toString("base64url")}.e30.sig`],
    ["a header that is a JSON array", `${Buffer.from("[1]").toString("base64url")}.e30.sig`],
    ["null", "null"],
    ["undecodable percent escapes", "%ff%fe%"],
    ["quotes and spaces", "\"a b\""]
  ]
  it.each(garbage)("garbage (%s) is no session and is cleared", async (_, value) => {
    await expectNoSessionAndCleared(await sessionWith(jwt, `${sessionCookie}=${value}`))
  })

  it("garbage chunks are no session and every chunk is cleared", async () => {
    const response = await sessionWith(jwt, `${sessionCookie}.0=${"a".repeat(3000)}; ${sessionCookie}.1=b.c.d`)
    await expectNoSessionAndCleared(response, [`${sessionCookie}.0`, `${sessionCookie}.1`])
  })

  it("a copied cookie stops working after sign-out, and is cleared when it comes back", async () => {
    const { browser, token } = await signedIn(jwt)
    const signOut = await browser.post("/auth/signout", { csrfToken: await browser.csrfToken() })
    expect(signOut.status).toBe(302)
    expect(setCookieNamed(signOut, sessionCookie)?.expired).toBe(true)
    await expectNoSessionAndCleared(await sessionWith(jwt, `${sessionCookie}=${token}`))
    // The verified-token cache must not outlive the revocation either: ask twice.
    await expectNoSessionAndCleared(await sessionWith(jwt, `${sessionCookie}=${token}`))
  })

  it("a copy taken before a session update stops working after sign-out too (jti, not the encoding, is revoked)", async () => {
    const { browser, token: before } = await signedIn(jwt)
    const updated = await browser.postJson("/auth/session", { csrfToken: await browser.csrfToken(), data: {} })
    expect(updated.status).toBe(200)
    const after = browser.cookies.get(sessionCookie)!
    expect(after).not.toBe(before)
    await browser.post("/auth/signout", { csrfToken: await browser.csrfToken() })
    await expectNoSessionAndCleared(await sessionWith(jwt, `${sessionCookie}=${before}`))
    await expectNoSessionAndCleared(await sessionWith(jwt, `${sessionCookie}=${after}`))
  })

  it("no 5xx and no session for any of these at POST /session and POST /signout either", async () => {
    const b = jwt.browser()
    const csrfToken = await b.csrfToken()
    for (const value of ["a.b.c", "x".repeat(20 * 1024), await forge.algNone(sessionClaims(3600)), await forge.seal(sessionClaims(-3600))]) {
      b.cookies.set(sessionCookie, value)
      const update = await b.postJson("/auth/session", { csrfToken, data: { x: 1 } })
      expect(update.status).toBe(200)
      expect(await update.text()).toBe("null")
      b.cookies.set(sessionCookie, value)
      const signOut = await b.post("/auth/signout", { csrfToken })
      expect(signOut.status).toBe(302)
      expect(setCookieNamed(signOut, sessionCookie)?.expired).toBe(true)
    }
  })
})

describe("database sessions", () => {
  it("control: the real cookie works", async () => {
    const { token } = await signedIn(database)
    expect(token).not.toContain(".")
    expect(await (await sessionWith(database, `${sessionCookie}=${token}`)).json()).toMatchObject({ user: { name: "Ada" } })
  })

  it("a random token of the right shape is no session and is cleared", async () => {
    await expectNoSessionAndCleared(await sessionWith(database, `${sessionCookie}=${randomBytes(32).toString("base64url")}`))
  })

  it("a real token with one character changed is no session and is cleared", async () => {
    const { token } = await signedIn(database)
    const changed = token.slice(0, 10) + (token[10] === "A" ? "B" : "A") + token.slice(11)
    await expectNoSessionAndCleared(await sessionWith(database, `${sessionCookie}=${changed}`))
  })

  it.each([
    ["a JWT session token", "jwt"],
    ["20 KB", "x".repeat(20 * 1024)],
    ["a.b.c", "a.b.c"],
    ["too short", "abc"]
  ] as const)("%s is no session and is cleared", async (_, value) => {
    const token = value === "jwt" ? await forge.seal(sessionClaims(3600)) : value
    await expectNoSessionAndCleared(await sessionWith(database, `${sessionCookie}=${token}`))
  })

  it("a copied cookie stops working after sign-out, and is cleared when it comes back", async () => {
    const { browser, token } = await signedIn(database)
    const signOut = await browser.post("/auth/signout", { csrfToken: await browser.csrfToken() })
    expect(signOut.status).toBe(302)
    expect(setCookies(signOut).filter((c) => c.name === sessionCookie).map((c) => c.expired)).toEqual([true])
    await expectNoSessionAndCleared(await sessionWith(database, `${sessionCookie}=${token}`))
  })
})

describe("signed (RS256) sessions, whose public key is published at /jwks", () => {
  const publishedKey = async () => {
    const jwks = (await (await signed.browser().get("/auth/jwks")).json()) as { readonly keys: ReadonlyArray<JWK & { readonly kid: string }> }
    expect(jwks.keys).toHaveLength(1)
    return jwks.keys[0]!
  }
  const payload = () => new TextEncoder().encode(JSON.stringify(sessionClaims(3600)))

  it("control: the real cookie works, and the header names RS256 and the published kid", async () => {
    const { token } = await signedIn(signed)
    const header = JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString()) as { readonly alg: string; readonly kid: string }
    expect(header).toMatchObject({ alg: "RS256", kid: (await publishedKey()).kid })
    expect(await (await sessionWith(signed, `${sessionCookie}=${token}`)).json()).toMatchObject({ user: { name: "Ada" } })
  })

  it("HS256 keyed with the published public key (PEM), under its kid, is no session and is cleared", async () => {
    const jwk = await publishedKey()
    const pem = await exportSPKI((await importJWK(jwk, "RS256", { extractable: true })) as CryptoKey)
    const token = await new CompactSign(payload())
      .setProtectedHeader({ alg: "HS256", kid: jwk.kid, typ: "JWT" })
      .sign(new TextEncoder().encode(pem))
    await expectNoSessionAndCleared(await sessionWith(signed, `${sessionCookie}=${token}`))
  })

  it("HS256 keyed with the published JWK's JSON, under its kid, is no session and is cleared", async () => {
    const jwk = await publishedKey()
    const token = await new CompactSign(payload())
      .setProtectedHeader({ alg: "HS256", kid: jwk.kid, typ: "JWT" })
      .sign(new TextEncoder().encode(JSON.stringify(jwk)))
    await expectNoSessionAndCleared(await sessionWith(signed, `${sessionCookie}=${token}`))
  })

  it("RS256 by the attacker's own key pair claiming the published kid is no session and is cleared", async () => {
    const jwk = await publishedKey()
    const { privateKey } = await generateKeyPair("RS256")
    const token = await new CompactSign(payload()).setProtectedHeader({ alg: "RS256", kid: jwk.kid, typ: "JWT" }).sign(privateKey)
    await expectNoSessionAndCleared(await sessionWith(signed, `${sessionCookie}=${token}`))
  })

  it("RS256 with the attacker's public key embedded in the header (jwk) is no session and is cleared", async () => {
    const jwk = await publishedKey()
    const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true })
    const token = await new CompactSign(payload())
      .setProtectedHeader({ alg: "RS256", kid: jwk.kid, typ: "JWT", jwk: await exportJWK(publicKey) })
      .sign(privateKey)
    await expectNoSessionAndCleared(await sessionWith(signed, `${sessionCookie}=${token}`))
  })

  it("alg: none under the published kid is no session and is cleared", async () => {
    const jwk = await publishedKey()
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url")
    const token = `${b64({ alg: "none", kid: jwk.kid, typ: "JWT" })}.${b64(sessionClaims(3600))}.`
    await expectNoSessionAndCleared(await sessionWith(signed, `${sessionCookie}=${token}`))
  })

  it("a real token with its claims swapped (the signature kept) is no session and is cleared", async () => {
    const { token } = await signedIn(signed)
    const [header, , signature] = token.split(".")
    const forged = `${header}.${Buffer.from(JSON.stringify(sessionClaims(3600))).toString("base64url")}.${signature}`
    await expectNoSessionAndCleared(await sessionWith(signed, `${sessionCookie}=${forged}`))
  })
})
