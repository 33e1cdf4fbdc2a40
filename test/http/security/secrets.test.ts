import { Effect, Exit, Layer, Redacted } from "effect"
import { Base64Url } from "effect/encoding"
import { HttpRouter } from "effect/http"
import { hkdfSync } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as MemoryKeyStore from "../../../src/adapters/memory/MemoryKeyStore.ts"
import * as MemoryUsers from "../../../src/adapters/memory/MemoryUsers.ts"
import { authHttpApp } from "../../../src/compose/authHttpApp.ts"
import { type AuthfxApp, type AuthfxOptions, createAuth } from "../../../src/compose/createAuth.ts"
import { Users } from "../../../src/ports/Users.ts"
import { makeBrowser } from "../../support/browser.ts"
import { credentialUsers, testProviders } from "../../support/memoryHarness.ts"
import { rawRequest } from "../../support/rawRequest.ts"
import { kidOf } from "../../support/tokenForgery.ts"

/**
 * Issue 10, item 3: a weak secret stops every entry point, and a token's kid is no oracle for the secret
 * (it is random), while tokens still open on every node and after a restart that share the secret.
 */

const origin = "http://localhost:3000"
// `openssl rand -base64 33`
const secret = "iCk0CvYFs/tn8dwvPMZh5k9FOif+N+cMciUon+wUdwgm"
const otherSecret = "j/dvONKygiU3Fhv4thE0rKPAhGjyLka5s88Zzki0kAQv"
const cookieName = "authjs.session-token"

const options = (overrides: Partial<AuthfxOptions> = {}): AuthfxOptions => ({
  providers: testProviders,
  secret,
  http: { url: `${origin}/auth` },
  ...overrides
})

const weak = [
  "hunter2",
  "a".repeat(44),
  "hunter2hunter2hunter2hunter2hunter2",
  "http-test-secret-http-test-secret-0123456789",
  "0123456789abcdef0123456789abcdef",
  "changeme-changeme-changeme-changeme"
]

/** The tagged error createAuth rejects with, or null when it started. */
const startFailure = async (o: AuthfxOptions) => {
  try {
    const app = await createAuth(o)
    await app.dispose()
    return null
  } catch (error) {
    return error as { readonly _tag?: string; readonly message?: string }
  }
}

describe("a weak secret stops every entry point", () => {
  it.each(weak)("createAuth refuses %j with WeakSecret, saying how to make one and never quoting it", async (weakSecret) => {
    const error = await startFailure(options({ secret: weakSecret }))
    expect(error?._tag).toBe("WeakSecret")
    expect(error?.message).toContain("openssl rand -base64 33")
    expect(error?.message).toContain("authfx secret")
    expect(error?.message).not.toContain(weakSecret)
  })

  it("createAuth refuses a weak previous secret listed after a strong one", async () => {
    expect((await startFailure(options({ secret: [secret, "hunter2hunter2hunter2hunter2hunter2"] })))?._tag).toBe("WeakSecret")
  })

  it("createAuth refuses a weak Redacted secret", async () => {
    expect((await startFailure(options({ secret: Redacted.make("hunter2") })))?._tag).toBe("WeakSecret")
  })

  it("createAuth refuses a weak secret even with a key store of its own (the secret is still the deployment's)", async () => {
    const keyStore = MemoryKeyStore.layer({ secrets: [Redacted.make(secret)] })
    expect((await startFailure(options({ secret: "hunter2", keyStore })))?._tag).toBe("WeakSecret")
  })

  it("authHttpApp refuses a weak secret when its layer is built", async () => {
    const exit = await Effect.runPromiseExit(Effect.scoped(HttpRouter.toHttpEffect(authHttpApp(options({ secret: "hunter2" })))))
    expect(Exit.isFailure(exit) && JSON.stringify(exit.cause)).toContain("WeakSecret")
  })

  it("a strong secret starts, and so do weak authjsSecrets (Auth.js's own, accepted for migration only)", async () => {
    expect(await startFailure(options())).toBeNull()
    expect(await startFailure(options({ authjsSecrets: ["hunter2"] }))).toBeNull()
  })
})

/** Two deployments (nodes, or one process before and after a restart) with one secret; one user store. */
const twoNodes = async () => {
  const users = Layer.succeed(Users, Effect.runSync(MemoryUsers.make))
  const a = await createAuth(options({ users }))
  const b = await createAuth(options({ users }))
  const stranger = await createAuth(options({ users, secret: otherSecret }))
  return { a, b, stranger }
}

const signIn = async (app: AuthfxApp) => {
  const browser = makeBrowser(app.handler, origin)
  const csrfToken = await browser.csrfToken()
  await browser.post("/auth/callback/credentials", { csrfToken, username: "ada", password: credentialUsers["ada"]!.password })
  const token = browser.cookies.get(cookieName)
  if (token === undefined) throw new Error("no session cookie")
  return token
}

/** What the kid was before this fix: HKDF-SHA256(secret, salt "authfx", info "kid session dir A256GCM", 12 bytes). */
const hkdfKid = (guess: string) => Base64Url.encode(new Uint8Array(hkdfSync("sha256", guess, "authfx", "kid session dir A256GCM", 12)))

const sessionAt = async (app: AuthfxApp, token: string) =>
  (await app.handler(rawRequest(origin, "/auth/session", { headers: { cookie: `${cookieName}=${token}` } }))).json() as Promise<
    { readonly user?: { readonly email?: string } } | null
  >

describe("a session token's kid is no oracle for the secret", () => {
  let nodes: Awaited<ReturnType<typeof twoNodes>>
  beforeAll(async () => {
    nodes = await twoNodes()
  })
  afterAll(async () => {
    await nodes.a.dispose()
    await nodes.b.dispose()
    await nodes.stranger.dispose()
  })

  it("the kid is none of what the secret, or a guess at it, computes; two nodes with one secret name their keys apart", async () => {
    const [fromA, fromB] = [await signIn(nodes.a), await signIn(nodes.b)]
    const kid = kidOf(fromA)
    expect(kid).toMatch(/^[A-Za-z0-9_-]{16}$/)
    expect(kid).not.toBe(hkdfKid(secret))
    expect(kid).not.toBe(hkdfKid("hunter2"))
    expect(kidOf(fromB)).not.toBe(kid)
  })

  it("a token issued by one node is a session on another with the same secret (a restart, a fleet)", async () => {
    const token = await signIn(nodes.a)
    expect((await sessionAt(nodes.b, token))?.user?.email).toBe("ada@example.com")
    expect((await sessionAt(nodes.a, token))?.user?.email).toBe("ada@example.com")
  })

  it("a token of another secret is no session, whatever its kid", async () => {
    const token = await signIn(nodes.stranger)
    expect(await sessionAt(nodes.a, token)).toBeNull()
  })
})
