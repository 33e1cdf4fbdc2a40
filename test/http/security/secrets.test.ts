import { Effect, Exit, Redacted } from "effect"
import { HttpRouter } from "effect/http"
import { describe, expect, it } from "vitest"
import * as MemoryKeyStore from "../../../src/adapters/memory/MemoryKeyStore.ts"
import { authHttpApp } from "../../../src/compose/authHttpApp.ts"
import { type AuthfxOptions, createAuth } from "../../../src/compose/createAuth.ts"
import { testProviders } from "../../support/memoryHarness.ts"

/**
 * Issue 10, item 3: a weak secret stops every entry point.
 */

const origin = "http://localhost:3000"
// `openssl rand -base64 33`
const secret = "iCk0CvYFs/tn8dwvPMZh5k9FOif+N+cMciUon+wUdwgm"

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
