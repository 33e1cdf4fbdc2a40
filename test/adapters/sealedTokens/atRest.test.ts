/**
 * OAuth tokens at rest, through `createAuth` as an application builds it: whatever store is configured, what
 * the store keeps is sealed (no token in clear text), while the domain reads the tokens back unchanged. The
 * raw store is read past authfx: the memory store's own instance, the SQLite file with node:sqlite, the
 * PostgreSQL rows with SQL.
 */
import { Effect, Exit, Layer, Option, Redacted, Scope } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { afterAll, describe, expect, it } from "vitest"
import * as MemoryUsers from "../../../src/adapters/memory/MemoryUsers.ts"
import { PostgresClient } from "../../../src/adapters/postgres/PostgresClient.ts"
import * as PostgresUsers from "../../../src/adapters/postgres/PostgresUsers.ts"
import { TokenSealing } from "../../../src/adapters/sealedTokens/SealedTokensUsers.ts"
import { SqliteDatabase } from "../../../src/adapters/sqlite/SqliteDatabase.ts"
import * as SqliteUsers from "../../../src/adapters/sqlite/SqliteUsers.ts"
import { authAppLayer, type AuthfxApp, createAuth } from "../../../src/compose/createAuth.ts"
import { type AccountKey, ProviderId } from "../../../src/domain/Account.ts"
import { TokenRotation } from "../../../src/domain/tokenRotation.ts"
import { KeyStore } from "../../../src/ports/KeyStore.ts"
import { Users } from "../../../src/ports/Users.ts"
import { client, migratedSchema } from "../postgres/testDatabase.ts"

const secret = "wNX68SBYPo16ltI8RoTFInQc9dMZTjjL87QehuHbG71M"
const github = ProviderId.make("github")
const sealedPrefix = "authfx.sealed.v1."

const opened: Array<AuthfxApp> = []
const dir = mkdtempSync(join(tmpdir(), "authfx-sealed-tokens-"))
const scope = Effect.runSync(Scope.make())
afterAll(async () => {
  await Promise.all(opened.map((auth) => auth.dispose()))
  await Effect.runPromise(Scope.close(scope, Exit.void))
  rmSync(dir, { recursive: true, force: true })
})

const authOver = async (users: Layer.Layer<Users, unknown>) => {
  const auth = await createAuth({ secret, http: { url: "http://localhost:3000/auth" }, users })
  opened.push(auth)
  return auth
}

interface Plain {
  readonly accessToken: string
  readonly refreshToken: string
  readonly idToken: string
}

const freshTokens = (): Plain => ({
  accessToken: `access-${crypto.randomUUID()}`,
  refreshToken: `refresh-${crypto.randomUUID()}`,
  idToken: `id-${crypto.randomUUID()}`
})

/** A user with a GitHub account, linked through the store in context as the domain links one. */
const linkProgram = (tokens: Plain) =>
  Effect.gen(function*() {
    const store = yield* Users
    const user = yield* store.createUser({
      name: "Ada",
      email: `ada-${crypto.randomUUID()}@example.com` as never,
      emailVerified: null,
      image: null
    })
    const key: AccountKey = { provider: github, providerAccountId: `gh-${crypto.randomUUID()}` }
    yield* store.linkAccount({
      ...key,
      userId: user.id,
      type: "oauth",
      accessToken: Redacted.make(tokens.accessToken),
      refreshToken: Redacted.make(tokens.refreshToken),
      idToken: Redacted.make(tokens.idToken),
      expiresAt: new Date(Date.now() + 3_600_000),
      tokenType: "bearer",
      scope: "read:user",
      sessionState: null,
      needsReauth: false
    })
    return { user, key, tokens }
  })

/** `linkProgram` through createAuth's store. */
const linkWithTokens = (auth: AuthfxApp, tokens: Plain = freshTokens()) => auth.runtime.runPromise(linkProgram(tokens))

const reveal = (value: Redacted.Redacted<string> | null) => (value === null ? null : Redacted.value(value))

/** The account's tokens as the domain reads them through createAuth. */
const domainTokens = (auth: AuthfxApp, key: AccountKey) =>
  auth.runtime.runPromise(Effect.map(Users.use((store) => store.getAccount(key)), (found) => {
    const account = Option.getOrThrow(found)
    return {
      accessToken: reveal(account.accessToken),
      refreshToken: reveal(account.refreshToken),
      idToken: reveal(account.idToken)
    }
  }))

const accessTokenOf = (auth: AuthfxApp, userId: string) =>
  auth.runtime.runPromise(
    Effect.map(TokenRotation.use((rotation) => rotation.getAccessToken(userId as never, github)), Redacted.value)
  )

/** What the store keeps is sealed: the prefix, and none of the token's text. */
const expectSealed = (raw: Readonly<Record<string, string | null>>, plain: Plain) => {
  for (const field of ["accessToken", "refreshToken", "idToken"] as const) {
    const stored = raw[field] ?? null
    expect(stored, field).not.toBeNull()
    expect(stored!.startsWith(sealedPrefix), `${field} is sealed`).toBe(true)
    expect(stored, field).not.toContain(plain[field])
  }
}

const kidOf = (sealed: string | null) => (sealed ?? "").slice(sealedPrefix.length).split(".")[0]

describe("OAuth tokens at rest, through createAuth", () => {
  describe("memory store", () => {
    const raw = Effect.runSync(MemoryUsers.make)
    const rawTokens = async (key: AccountKey) => {
      const account = Option.getOrThrow(await Effect.runPromise(raw.getAccount(key)))
      return {
        accessToken: reveal(account.accessToken),
        refreshToken: reveal(account.refreshToken),
        idToken: reveal(account.idToken)
      }
    }

    it("the store holds no token in clear text; the domain reads them back unchanged", async () => {
      const auth = await authOver(Layer.succeed(Users, raw))
      const { key, tokens, user } = await linkWithTokens(auth)
      expectSealed(await rawTokens(key), tokens)
      expect(await domainTokens(auth, key)).toEqual(tokens)
      expect(await accessTokenOf(auth, user.id)).toBe(tokens.accessToken)
    })

    it("authAppLayer (what authHttpApp serves routes from) seals the configured store's tokens too", async () => {
      const services = Effect.runPromise(Scope.provide(scope)(Layer.build(authAppLayer({
        secret,
        http: { url: "http://localhost:3000/auth" },
        users: Layer.succeed(Users, raw)
      }))))
      const { key, tokens } = await Effect.runPromise(Effect.provideContext(linkProgram(freshTokens()), await services))
      expectSealed(await rawTokens(key), tokens)
    })

    it("after KeyStore.rotate(\"tokens\"), old values still read and are re-sealed under the new key", async () => {
      const auth = await authOver(Layer.succeed(Users, raw))
      const { key, tokens } = await linkWithTokens(auth)
      const before = await rawTokens(key)
      const rotated = await auth.runtime.runPromise(KeyStore.use((keys) => keys.rotate("tokens")))
      expect(kidOf(before.accessToken)).not.toBe(rotated.kid)
      expect(await domainTokens(auth, key)).toEqual(tokens)
      const after = await rawTokens(key)
      expectSealed(after, tokens)
      for (const field of ["accessToken", "refreshToken", "idToken"] as const) {
        expect(kidOf(after[field]), field).toBe(rotated.kid)
      }
      expect(await domainTokens(auth, key)).toEqual(tokens)
    })

    it("a sealed value moved to another account or another field does not open: it reads as no token", async () => {
      const auth = await authOver(Layer.succeed(Users, raw))
      const victim = await linkWithTokens(auth)
      const attacker = await linkWithTokens(auth)
      const stolen = Option.getOrThrow(await Effect.runPromise(raw.getAccount(victim.key)))
      const own = Option.getOrThrow(await Effect.runPromise(raw.getAccount(attacker.key)))
      // The victim's access token copied into the attacker's row, the attacker's refresh token into its id field.
      await Effect.runPromise(raw.updateAccountTokens(attacker.key, {
        accessToken: stolen.accessToken,
        refreshToken: own.refreshToken,
        idToken: own.refreshToken,
        expiresAt: own.expiresAt,
        tokenType: own.tokenType,
        scope: own.scope,
        sessionState: own.sessionState
      }))
      expect(await domainTokens(auth, attacker.key)).toEqual({
        accessToken: null,
        refreshToken: attacker.tokens.refreshToken,
        idToken: null
      })
      expect(await domainTokens(auth, victim.key)).toEqual(victim.tokens)
    })

    it("a value whose key retired reads as no token: the account asks for a new sign-in, nothing crashes", async () => {
      const auth = await authOver(Layer.succeed(Users, raw))
      const { key, user } = await linkWithTokens(auth)
      await auth.runtime.runPromise(KeyStore.use((keys) => keys.rotate("tokens", { retireAfterSeconds: 0 })))
      expect(await domainTokens(auth, key)).toEqual({ accessToken: null, refreshToken: null, idToken: null })
      const error = await auth.runtime.runPromise(
        Effect.flip(TokenRotation.use((rotation) => rotation.getAccessToken(user.id, github)))
      )
      expect(error._tag).toBe("ReauthRequired")
    })
  })

  describe("SQLite file", () => {
    const path = join(dir, "authfx.sqlite")
    const store = () => SqliteUsers.layer.pipe(Layer.provide(SqliteDatabase.layer({ path })))
    const rawTokens = (key: AccountKey) => {
      const db = new DatabaseSync(path)
      try {
        const row = db.prepare(
          "SELECT access_token, refresh_token, id_token FROM accounts WHERE provider = ? AND provider_account_id = ?"
        ).get(key.provider, key.providerAccountId)
        return {
          accessToken: row?.["access_token"] as string | null,
          refreshToken: row?.["refresh_token"] as string | null,
          idToken: row?.["id_token"] as string | null
        }
      } finally {
        db.close()
      }
    }

    it("the file holds no token in clear text; the domain reads them back unchanged", async () => {
      const auth = await authOver(store())
      const { key, tokens, user } = await linkWithTokens(auth)
      expectSealed(rawTokens(key), tokens)
      expect(await domainTokens(auth, key)).toEqual(tokens)
      expect(await accessTokenOf(auth, user.id)).toBe(tokens.accessToken)
    })

    it("a row in plain text (written before sealing) reads as it is and is sealed once read", async () => {
      const auth = await authOver(store())
      const { key, user } = await linkWithTokens(auth)
      const plain = freshTokens()
      const db = new DatabaseSync(path)
      try {
        db.prepare("UPDATE accounts SET access_token = ?, refresh_token = ?, id_token = ? WHERE provider_account_id = ?")
          .run(plain.accessToken, plain.refreshToken, plain.idToken, key.providerAccountId)
      } finally {
        db.close()
      }
      expect(await domainTokens(auth, key)).toEqual(plain)
      expectSealed(rawTokens(key), plain)
      expect(await accessTokenOf(auth, user.id)).toBe(plain.accessToken)
    })
  })

  describe("SQLite file written before sealing", () => {
    it("createAuth seals, at start and without reading them, the rows it finds in plain text", async () => {
      const path = join(dir, "before-sealing.sqlite")
      const before = await authOver(SqliteUsers.layer.pipe(Layer.provide(SqliteDatabase.layer({ path }))))
      const { key } = await linkWithTokens(before)
      await before.dispose()
      const plain = freshTokens()
      const db = new DatabaseSync(path)
      const rawTokens = () => {
        const row = db.prepare("SELECT access_token, refresh_token, id_token FROM accounts WHERE provider_account_id = ?")
          .get(key.providerAccountId)
        return {
          accessToken: row?.["access_token"] as string | null,
          refreshToken: row?.["refresh_token"] as string | null,
          idToken: row?.["id_token"] as string | null
        }
      }
      try {
        db.prepare("UPDATE accounts SET access_token = ?, refresh_token = ?, id_token = ? WHERE provider_account_id = ?")
          .run(plain.accessToken, plain.refreshToken, plain.idToken, key.providerAccountId)
        await authOver(SqliteUsers.layer.pipe(Layer.provide(SqliteDatabase.layer({ path }))))
        // The pass runs in the background: wait for it (bounded), not for a fixed time.
        for (let tries = 0; tries < 500 && !(rawTokens().accessToken ?? "").startsWith(sealedPrefix); tries++) {
          await new Promise((resolve) => setTimeout(resolve, 10))
        }
        expectSealed(rawTokens(), plain)
      } finally {
        db.close()
      }
    })
  })

  describe("PostgreSQL", () => {
    const database = Effect.runPromise(Scope.provide(scope)(Effect.gen(function*() {
      const schema = yield* migratedSchema("sealed_tokens")
      return yield* client(schema, { max: 4 })
    })))
    const store = async () => PostgresUsers.layer.pipe(Layer.provide(Layer.succeed(PostgresClient, await database)))
    const rawTokens = async (key: AccountKey) => {
      const { sql } = await database
      const [row] = await sql`
        SELECT access_token, refresh_token, id_token FROM accounts
        WHERE provider = ${key.provider} AND "providerAccountId" = ${key.providerAccountId}`
      return {
        accessToken: row?.["access_token"] as string | null,
        refreshToken: row?.["refresh_token"] as string | null,
        idToken: row?.["id_token"] as string | null
      }
    }

    it("the rows hold no token in clear text; the domain reads them back unchanged", async () => {
      const auth = await authOver(await store())
      const { key, tokens, user } = await linkWithTokens(auth)
      expectSealed(await rawTokens(key), tokens)
      expect(await domainTokens(auth, key)).toEqual(tokens)
      expect(await accessTokenOf(auth, user.id)).toBe(tokens.accessToken)
    })

    it("a row in plain text (inserted with SQL, as Auth.js writes it) reads as it is and is sealed once read", async () => {
      const auth = await authOver(await store())
      const { sql } = await database
      const plain = freshTokens()
      const providerAccountId = `gh-${crypto.randomUUID()}`
      const [user] = await sql`INSERT INTO users (name, email) VALUES ('Grace', ${`grace-${crypto.randomUUID()}@example.com`})
        RETURNING id`
      await sql`
        INSERT INTO accounts ("userId", type, provider, "providerAccountId", access_token, refresh_token, id_token,
          expires_at, token_type, scope)
        VALUES (${user!["id"]}, 'oauth', 'github', ${providerAccountId}, ${plain.accessToken}, ${plain.refreshToken},
          ${plain.idToken}, ${Math.floor(Date.now() / 1000) + 3600}, 'bearer', 'read:user')`
      const key = { provider: github, providerAccountId }
      expect(await domainTokens(auth, key)).toEqual(plain)
      expectSealed(await rawTokens(key), plain)
      expect(await accessTokenOf(auth, String(user!["id"]))).toBe(plain.accessToken)
    })

    it("sealStoredTokens seals every row in plain text, unread, and reports what it did", async () => {
      const auth = await authOver(await store())
      const { sql } = await database
      const rows = Array.from({ length: 3 }, () => ({ plain: freshTokens(), providerAccountId: `gh-${crypto.randomUUID()}` }))
      for (const row of rows) {
        const [user] = await sql`INSERT INTO users (name, email) VALUES ('Grace', ${`grace-${crypto.randomUUID()}@example.com`})
          RETURNING id`
        await sql`
          INSERT INTO accounts ("userId", type, provider, "providerAccountId", access_token, refresh_token, id_token)
          VALUES (${user!["id"]}, 'oauth', 'github', ${row.providerAccountId}, ${row.plain.accessToken},
            ${row.plain.refreshToken}, ${row.plain.idToken})`
      }
      const report = await auth.runtime.runPromise(TokenSealing.use((sealing) => sealing.sealStoredTokens({ pageSize: 2 })))
      expect(report.listed).toBe(true)
      expect(report.unreadable).toBe(0)
      for (const row of rows) expectSealed(await rawTokens({ provider: github, providerAccountId: row.providerAccountId }), row.plain)
      for (const row of rows) {
        expect(await domainTokens(auth, { provider: github, providerAccountId: row.providerAccountId })).toEqual(row.plain)
      }
    })
  })
})
