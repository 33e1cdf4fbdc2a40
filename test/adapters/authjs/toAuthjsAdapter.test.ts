/**
 * The reverse direction: authfx's stores (memory, PostgreSQL) as an Auth.js adapter, driven by @auth/core's own
 * `Auth(request, config)` with database sessions through an e-mail sign-in: magic link, session, sign-out.
 */
import { Auth, type AuthConfig } from "@auth/core"
import { afterAll, describe, expect, it } from "vitest"
import { Effect, Layer, ManagedRuntime, Option } from "effect"
import * as MemoryUsers from "../../../src/adapters/memory/MemoryUsers.ts"
import * as PostgresUsers from "../../../src/adapters/postgres/PostgresUsers.ts"
import { toAuthjsAdapter } from "../../../src/adapters/authjs/toAuthjsAdapter.ts"
import { recordingEmail } from "./support/recordingEmail.ts"
import { Email } from "../../../src/domain/User.ts"
import { Users } from "../../../src/ports/Users.ts"
import { newAccount } from "../../conformance/users/fixtures.ts"
import { testDatabase } from "../postgres/testDatabase.ts"

const origin = "http://localhost:3000"

/** A browser's cookie jar, reduced to what these requests need. */
const browser = (config: AuthConfig) => {
  const cookies = new Map<string, string>()
  const send = async (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers)
    headers.set("cookie", [...cookies].map(([name, value]) => `${name}=${value}`).join("; "))
    const response = await Auth(new Request(new URL(path, origin), { ...init, headers, redirect: "manual" }), config)
    for (const line of response.headers.getSetCookie()) {
      const [pair = "", ...attributes] = line.split(";")
      const [name = "", value = ""] = pair.split("=")
      const expired = attributes.some((a) => /max-age=0\b/i.test(a.trim()) || /expires=thu, 01 jan 1970/i.test(a.trim()))
      if (expired || value === "") cookies.delete(name.trim())
      else cookies.set(name.trim(), value)
    }
    return response
  }
  const form = (fields: Record<string, string>) => ({
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString()
  })
  return { cookies, send, form }
}

const sha256Hex = async (text: string) =>
  Buffer.from(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))).toString("hex")

const stores = {
  memory: MemoryUsers.layer,
  postgres: PostgresUsers.layer.pipe(Layer.provide(testDatabase("authjs_reverse", { max: 4 })))
} as const

describe.each(Object.keys(stores) as Array<keyof typeof stores>)("Auth.js on authfx's %s store", (name) => {
  const runtime = ManagedRuntime.make(stores[name])
  afterAll(() => runtime.dispose())
  const links: Array<string> = []
  const logged: Array<string> = []
  const email = recordingEmail(links)
  const config: AuthConfig = {
    adapter: toAuthjsAdapter(runtime),
    providers: [email],
    session: { strategy: "database" },
    secret: "m5ZbCqYv20PoPltH2rar+f9nNTSVvfDX/14wOA30fwDU",
    trustHost: true,
    basePath: "/api/auth",
    logger: { error: (error) => void logged.push(error.name) }
  }
  const store = () => runtime.runPromise(Users.use(Effect.succeed))

  it("signs in by magic link, shows the user in /session, and signs out", async () => {
    const { cookies, send, form } = browser(config)
    const address = `reader-${crypto.randomUUID()}@example.com`
    const { csrfToken } = (await (await send("/api/auth/csrf")).json()) as { csrfToken: string }

    const requested = await send("/api/auth/signin/email", form({ csrfToken, email: address, callbackUrl: `${origin}/` }))
    expect(requested.status).toBe(302)
    expect(requested.headers.get("location")).toContain("/api/auth/verify-request")
    const link = links.at(-1)
    expect(link).toContain("/api/auth/callback/email")

    const callback = await send(new URL(link!).pathname + new URL(link!).search)
    expect([callback.status, callback.headers.get("location")]).toEqual([302, `${origin}/`])
    const token = cookies.get("authjs.session-token")
    expect(token).toBeDefined()

    const session = (await (await send("/api/auth/session")).json()) as { user?: { email?: string } }
    expect(session.user?.email).toBe(address)

    // The store holds the token's SHA-256 (as authfx's own sessions), never the cookie's token.
    const users = await store()
    const held = await Effect.runPromise(users.getSessionAndUser(await sha256Hex(token!)))
    expect(Option.map(held, ({ user }) => user.email)).toEqual(Option.some(address))
    expect(Option.isNone(await Effect.runPromise(users.getSessionAndUser(token!)))).toBe(true)

    // The link was consumed: a second click is refused.
    const again = await send(new URL(link!).pathname + new URL(link!).search)
    expect(again.headers.get("location")).toContain("error=Verification")
    expect(logged).toEqual(["Verification"])

    const signedOut = await send("/api/auth/signout", form({ csrfToken }))
    expect(signedOut.status).toBe(302)
    expect(await (await send("/api/auth/session")).json()).toBeNull()
    expect(Option.isNone(await Effect.runPromise(users.getSessionAndUser(await sha256Hex(token!))))).toBe(true)
  })

  it("consumes one verification token once among concurrent callers, and keeps one account per provider", async () => {
    const adapter = toAuthjsAdapter(runtime)
    const token = { identifier: `c-${crypto.randomUUID()}@example.com`, token: crypto.randomUUID(), expires: new Date(Date.now() + 60_000) }
    await adapter.createVerificationToken!(token)
    const results = await Promise.all(Array.from({ length: 20 }, () => adapter.useVerificationToken!(token)))
    expect(results.filter((found) => found !== null)).toEqual([token])

    const user = await adapter.createUser!({
      id: crypto.randomUUID(),
      email: `linker-${crypto.randomUUID()}@example.com`,
      emailVerified: null
    })
    const first = newAccount(user.id as never)
    await adapter.linkAccount!({
      userId: user.id,
      type: "oauth",
      provider: "github",
      providerAccountId: first.providerAccountId,
      access_token: "at",
      expires_at: 2_000_000_000
    })
    expect(await adapter.getAccount!(first.providerAccountId, "github")).toMatchObject({
      userId: user.id,
      access_token: "at",
      expires_at: 2_000_000_000
    })
    await expect(
      adapter.linkAccount!({ userId: user.id, type: "oauth", provider: "github", providerAccountId: "another" })
    ).rejects.toMatchObject({ _tag: "AccountAlreadyLinked" })
    await expect(adapter.createUser!({ id: "x", email: user.email, emailVerified: null })).rejects.toMatchObject({
      _tag: "EmailTaken"
    })
    expect((await adapter.getUserByEmail!(Email.make(user.email)))?.id).toBe(user.id)
  })
})
