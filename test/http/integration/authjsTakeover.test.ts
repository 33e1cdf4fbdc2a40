/**
 * The README's "Moving from Auth.js", end to end: an Auth.js v5 application on PostgreSQL (@auth/pg-adapter and
 * its schema.sql, driven by @auth/core's own `Auth`) has users, a linked account and live sessions — database
 * sessions from e-mail sign-ins, a JWT session from a credentials sign-in, and a NextAuth v4 JWT cookie from
 * next-auth 4's own `encode`. Then the database is migrated and authfx serves the same cookies: `GET /session`
 * answers the same users as Auth.js did, and keeps answering with the cookie authfx writes back. Nobody signs in
 * again.
 */
import { Auth, type AuthConfig } from "@auth/core"
import { encode as encodeV5 } from "@auth/core/jwt"
import Credentials from "@auth/core/providers/credentials"
import PostgresAdapter from "@auth/pg-adapter"
import { Layer, Option, Redacted } from "effect"
import { encode as encodeV4 } from "next-auth-v4/jwt"
import pg from "pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { pgAdapterSchema } from "../../../src/adapters/authjs/authjsSchemas.ts"
import * as MemoryLedger from "../../../src/adapters/memory/MemoryLedger.ts"
import * as PostgresMigrations from "../../../src/adapters/postgres/migrate.ts"
import * as PostgresClient from "../../../src/adapters/postgres/PostgresClient.ts"
import * as PostgresUsers from "../../../src/adapters/postgres/PostgresUsers.ts"
import { type AuthfxApp, type AuthfxOptions, createAuth } from "../../../src/compose/createAuth.ts"
import { ProviderId } from "../../../src/domain/Account.ts"
import { Users } from "../../../src/ports/Users.ts"
import { pgPool } from "../../adapters/authjs/support/pgSchema.ts"
import { recordingEmail } from "../../adapters/authjs/support/recordingEmail.ts"
import { ownDatabase } from "../../adapters/postgres/ownDatabase.ts"
import { randomSchema } from "../../adapters/postgres/testDatabase.ts"
import { type Browser, makeBrowser } from "../../support/browser.ts"

const origin = "http://localhost:3000"
/** The Auth.js deployment's AUTH_SECRET (NEXTAUTH_SECRET under v4). */
const authjsSecret = "Q0mvr3N1+vQb8yq4G6cS2pX7dWk9zF5tL1hJ8aE3nR0="
/** authfx's own secret: its new cookies are its own, Auth.js's secret only opens the old ones. */
const authfxSecret = "c7Vw2Kp9sT4xB1mN6qR8zL3yH5fD0gJ2aE9uW4iO7kM="

interface SessionJson {
  readonly user: { readonly name: string | null; readonly email: string | null; readonly image: string | null }
  readonly expires: string
}

const sessionOf = async (browser: Browser): Promise<SessionJson | null> => {
  const response = await browser.get("/auth/session")
  expect(response.status).toBe(200)
  return (await response.json()) as SessionJson | null
}

/** A browser on `handler` holding one cookie, as a returning visitor does. */
const visitor = (handler: (request: Request) => Promise<Response>, name: string, value: string) => {
  const browser = makeBrowser(handler, origin)
  browser.cookies.set(name, value)
  return browser
}

const url = await ownDatabase("authfx_adaptersuite")
const schema = randomSchema("takeover")

// The Auth.js application's side: its pool, its adapter, its configurations (database and JWT strategy).
const pool = pgPool(schema, { url, max: 4 })
const links: Array<string> = []
const email = recordingEmail(links)
const authjsBase = { secret: authjsSecret, trustHost: true, basePath: "/auth" } satisfies Partial<AuthConfig>
const authjsDatabaseApp: AuthConfig = {
  ...authjsBase,
  adapter: PostgresAdapter(pool),
  providers: [email],
  session: { strategy: "database" }
}
const authjsJwtApp: AuthConfig = {
  ...authjsBase,
  providers: [
    Credentials({
      credentials: { username: {}, password: {} },
      authorize: (credentials) =>
        credentials["username"] === "grace" && credentials["password"] === "cobol"
          ? { id: "grace-1", name: "Grace Hopper", email: "grace@example.com", image: "https://img.example/grace.png" }
          : null
    })
  ],
  session: { strategy: "jwt" }
}
const authjs = (config: AuthConfig) => (request: Request) => Auth(request, config)

/** Signs `address` in through Auth.js's e-mail flow: the user, and a database session with its cookie. */
const authjsEmailSignIn = async (address: string) => {
  const browser = makeBrowser(authjs(authjsDatabaseApp), origin)
  const csrfToken = await browser.csrfToken()
  const requested = await browser.post("/auth/signin/email", { csrfToken, email: address, callbackUrl: `${origin}/` })
  expect(requested.headers.get("location")).toContain("/auth/verify-request")
  const link = new URL(links.at(-1)!)
  const callback = await browser.get(link.pathname + link.search)
  expect([callback.status, callback.headers.get("location")]).toEqual([302, `${origin}/`])
  return browser
}

interface Before {
  readonly databaseSessions: ReadonlyArray<{ readonly cookie: string; readonly session: SessionJson }>
  readonly jwtCookie: { readonly value: string; readonly session: SessionJson }
  readonly encodedCookie: { readonly value: string; readonly session: SessionJson }
  readonly v4Cookie: string
  readonly adaId: string
}
let before: Before
const apps: Array<AuthfxApp> = []

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: url })
  await admin.connect()
  await admin.query(`CREATE SCHEMA ${schema}`)
  await admin.end()
  for (const statement of pgAdapterSchema) await pool.query(statement)

  // A JWT session made by Auth.js's own credentials sign-in (first: @auth/core's config check remembers in module
  // state that it saw an e-mail provider, and would then refuse this adapter-less configuration).
  const grace = makeBrowser(authjs(authjsJwtApp), origin)
  const csrfToken = await grace.csrfToken()
  const signedIn = await grace.post("/auth/callback/credentials", {
    csrfToken,
    username: "grace",
    password: "cobol",
    callbackUrl: `${origin}/`
  })
  expect(signedIn.headers.get("location")).toBe(`${origin}/`)
  const jwtCookie = { value: grace.cookies.get("authjs.session-token")!, session: (await sessionOf(grace))! }
  // And one encoded with @auth/core/jwt, as a custom sign-in route of the application might have made it.
  const encoded = await encodeV5({
    token: { name: "Ada Lovelace", email: "ada@example.com", picture: "https://img.example/ada.png", sub: "ada-jwt" },
    secret: authjsSecret,
    salt: "authjs.session-token"
  })
  const encodedCookie = {
    value: encoded,
    session: (await sessionOf(visitor(authjs(authjsJwtApp), "authjs.session-token", encoded)))!
  }

  // Two e-mail users with database sessions; Ada also named herself and linked GitHub (through the adapter,
  // as Auth.js's OAuth callback would).
  const ada = await authjsEmailSignIn("ada@example.com")
  const alan = await authjsEmailSignIn("alan@example.com")
  const adapter = authjsDatabaseApp.adapter!
  const adaUser = (await adapter.getUserByEmail!("ada@example.com"))!
  await adapter.updateUser!({ id: adaUser.id, name: "Ada Lovelace", image: "https://img.example/ada.png" })
  await adapter.linkAccount!({
    userId: adaUser.id,
    type: "oauth",
    provider: "github",
    providerAccountId: "583231",
    access_token: "gho_access",
    refresh_token: "ghr_refresh",
    expires_at: 2_000_000_000,
    token_type: "bearer",
    scope: "read:user user:email",
    session_state: "state-1"
  })
  const databaseSessions = await Promise.all([ada, alan].map(async (browser) => ({
    cookie: browser.cookies.get("authjs.session-token")!,
    session: (await sessionOf(browser))!
  })))

  // A NextAuth v4 deployment's cookie, by next-auth 4's own encode (it salts nothing: one key per secret).
  const v4Cookie = await encodeV4({
    token: { name: "Alan Turing", email: "alan@example.com", picture: null, sub: "alan-v4" },
    secret: authjsSecret
  })

  before = {
    databaseSessions,
    jwtCookie,
    encodedCookie,
    v4Cookie,
    adaId: adaUser.id
  }
})

afterAll(async () => {
  for (const app of apps) await app.dispose()
  await pool.end()
  const admin = new pg.Client({ connectionString: url })
  await admin.connect()
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
  await admin.end()
})

/** authfx on the migrated database, as the README's "Moving from Auth.js" sets it up. */
const authfx = async (overrides: Partial<AuthfxOptions>) => {
  const database = PostgresMigrations.layer.pipe(
    Layer.provideMerge(PostgresClient.layer({ url: Redacted.make(url), schema, max: 4 }))
  )
  const app = await createAuth({
    secret: authfxSecret,
    authjsSecrets: [authjsSecret],
    http: { url: `${origin}/auth` },
    users: PostgresUsers.layer.pipe(Layer.provide(database)),
    ledger: MemoryLedger.layer,
    ...overrides
  })
  apps.push(app)
  return app
}

describe("taking over an Auth.js v5 application's PostgreSQL database and cookies", () => {
  it("Auth.js itself answered every cookie before the move", () => {
    expect(before.databaseSessions.map(({ session }) => session.user)).toEqual([
      { name: "Ada Lovelace", email: "ada@example.com", image: "https://img.example/ada.png" },
      { name: null, email: "alan@example.com", image: null }
    ])
    expect(before.jwtCookie.session.user).toEqual({ name: "Grace Hopper", email: "grace@example.com", image: "https://img.example/grace.png" })
    expect(before.encodedCookie.session.user.email).toBe("ada@example.com")
  })

  it("database sessions: after the migration authfx answers the same users for the same cookies, and keeps them", async () => {
    const app = await authfx({ session: { strategy: "database" } })
    for (const { cookie, session } of before.databaseSessions) {
      const browser = visitor(app.handler, "authjs.session-token", cookie)
      const answered = await sessionOf(browser)
      expect(answered?.user).toEqual(session.user)
      // What the browser holds now (the same token, its expiry renewed or not) goes on working.
      expect((await sessionOf(browser))?.user).toEqual(session.user)
      expect(browser.cookies.get("authjs.session-token")).toBe(cookie)
    }
    // The linked account came along with its tokens; the table holds no cookie token any more.
    const account = await app.runtime.runPromise(
      Users.use((users) => users.getAccount({ provider: ProviderId.make("github"), providerAccountId: "583231" }))
    )
    expect(Option.map(account, (a) => [a.userId, a.accessToken && Redacted.value(a.accessToken), a.sessionState]))
      .toEqual(Option.some([String(before.adaId), "gho_access", "state-1"]))
    const stored = await pool.query<{ sessionToken: string }>(`SELECT "sessionToken" FROM sessions`)
    const cookies = new Set(before.databaseSessions.map(({ cookie }) => cookie))
    expect(stored.rows.filter((row) => cookies.has(row.sessionToken))).toEqual([])
  })

  // updateAge 0: authfx renews on every read (by default once a day, where Auth.js renews on every read), so the
  // cookie it writes back, sealed with its own keys, is read here too.
  it("Auth.js v5 JWT sessions: authfx opens them with authjsSecrets, answers the same users, and re-issues its own", async () => {
    const app = await authfx({ session: { strategy: "jwt", updateAge: 0 } })
    for (const { value, session } of [before.jwtCookie, before.encodedCookie]) {
      const browser = visitor(app.handler, "authjs.session-token", value)
      expect((await sessionOf(browser))?.user).toEqual(session.user)
      const reissued = browser.cookies.get("authjs.session-token")
      expect(reissued).not.toBe(value)
      expect((await sessionOf(browser))?.user).toEqual(session.user)
    }
  })

  it("NextAuth v4 JWT sessions: under the cookie prefix next-auth, authfx answers the same user", async () => {
    const app = await authfx({
      session: { strategy: "jwt", updateAge: 0 },
      http: { url: `${origin}/auth`, cookies: { prefix: "next-auth" } }
    })
    const browser = visitor(app.handler, "next-auth.session-token", before.v4Cookie)
    const expected = { name: "Alan Turing", email: "alan@example.com", image: null }
    expect((await sessionOf(browser))?.user).toEqual(expected)
    expect(browser.cookies.get("next-auth.session-token")).not.toBe(before.v4Cookie)
    expect((await sessionOf(browser))?.user).toEqual(expected)
  })
})
