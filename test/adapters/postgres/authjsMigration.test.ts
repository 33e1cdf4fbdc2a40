/**
 * Moving an Auth.js database over: a schema made with @auth/pg-adapter's own schema.sql (copied here, not
 * taken from our migrations) and rows as Auth.js writes them, migrated, then used through authfx.
 */
import { assert, describe, expect, it } from "@effect/vitest"
import { Effect, Option, Redacted } from "effect"
import { createHash } from "node:crypto"
import type postgres from "postgres"
import * as PostgresMigrations from "../../../src/adapters/postgres/migrate.ts"
import { PostgresClient } from "../../../src/adapters/postgres/PostgresClient.ts"
import * as PostgresUsers from "../../../src/adapters/postgres/PostgresUsers.ts"
import { ProviderId } from "../../../src/domain/Account.ts"
import { normalizeEmail } from "../../../src/domain/normalizeEmail.ts"
import { Email } from "../../../src/domain/User.ts"
import { client, databaseUrl, dropSchema, randomSchema } from "./testDatabase.ts"

// @auth/pg-adapter schema.sql, verbatim.
const authjsSchema = `
CREATE TABLE verification_token
(
  identifier TEXT NOT NULL,
  expires TIMESTAMPTZ NOT NULL,
  token TEXT NOT NULL,

  PRIMARY KEY (identifier, token)
);

CREATE TABLE accounts
(
  id SERIAL,
  "userId" INTEGER NOT NULL,
  type VARCHAR(255) NOT NULL,
  provider VARCHAR(255) NOT NULL,
  "providerAccountId" VARCHAR(255) NOT NULL,
  refresh_token TEXT,
  access_token TEXT,
  expires_at BIGINT,
  id_token TEXT,
  scope TEXT,
  session_state TEXT,
  token_type TEXT,

  PRIMARY KEY (id)
);

CREATE TABLE sessions
(
  id SERIAL,
  "userId" INTEGER NOT NULL,
  expires TIMESTAMPTZ NOT NULL,
  "sessionToken" VARCHAR(255) NOT NULL,

  PRIMARY KEY (id)
);

CREATE TABLE users
(
  id SERIAL,
  name VARCHAR(255),
  email VARCHAR(255),
  "emailVerified" TIMESTAMPTZ,
  image TEXT,

  PRIMARY KEY (id)
);`

/** A schema holding Auth.js's tables (and whatever `rows` inserts), dropped with the scope. */
const authjsDatabase = (label: string, rows: (sql: postgres.Sql) => Promise<unknown>) =>
  Effect.gen(function*() {
    const schema = randomSchema(label)
    yield* Effect.addFinalizer(() => Effect.orDie(dropSchema(databaseUrl, schema)))
    const c = yield* client(schema, { max: 2 })
    yield* Effect.promise(async () => {
      await c.sql.unsafe(`CREATE SCHEMA ${schema}`)
      await c.sql.unsafe(authjsSchema)
      await rows(c.sql)
    })
    return c
  })

const migrateOn = (c: PostgresClient["Service"]) =>
  PostgresMigrations.migrate.pipe(Effect.provideService(PostgresClient, c))

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex")

const rawSessionToken = "0b6b1f7e-6a43-4a6c-9a53-c1b3b9a0f2d1"
const expiresAt = 1_900_000_000

// What Auth.js leaves behind: a GitHub user (its profile e-mail kept as GitHub spelled it), a pending
// e-mail sign-in, a database session holding the raw cookie token.
const authjsRows = async (sql: postgres.Sql) => {
  await sql`
    INSERT INTO users (name, email, "emailVerified", image)
    VALUES ('Ada Lovelace', 'Ada@Example.com', NULL, 'https://avatars.example/ada.png'),
           ('Grace Hopper', 'grace@example.com', '2024-01-02T03:04:05Z', NULL)`
  await sql`
    INSERT INTO accounts ("userId", type, provider, "providerAccountId", refresh_token, access_token, expires_at,
      id_token, scope, session_state, token_type)
    VALUES (1, 'oauth', 'github', '583231', 'ghr_refresh', 'gho_access', ${expiresAt}, NULL, 'read:user user:email',
      NULL, 'bearer')`
  await sql`
    INSERT INTO verification_token (identifier, expires, token)
    VALUES ('grace@example.com', now() + interval '1 day', ${sha256("magic-token" + "secret")})`
  await sql`
    INSERT INTO sessions ("userId", expires, "sessionToken") VALUES (1, now() + interval '30 days', ${rawSessionToken})`
}

const github = { provider: ProviderId.make("github"), providerAccountId: "583231" }

const columnsAndConstraints = (sql: postgres.Sql, schema: string) =>
  Effect.promise(async () => {
    const columns = await sql`
      SELECT table_name, column_name, data_type, is_nullable, column_default IS NOT NULL AS has_default
      FROM information_schema.columns WHERE table_schema = ${schema} ORDER BY table_name, column_name`
    const constraints = await sql`
      SELECT conrelid::regclass::text AS table_name, conname, pg_get_constraintdef(oid) AS definition
      FROM pg_constraint WHERE connamespace = ${schema}::regnamespace ORDER BY conname`
    const indexes = await sql`SELECT indexname, tablename FROM pg_indexes WHERE schemaname = ${schema} ORDER BY indexname`
    return { columns: [...columns], constraints: [...constraints], indexes: [...indexes] }
  })

describe("migrating an Auth.js database", () => {
  it.live("keeps its users, accounts and tokens usable through authfx, and accepts new links", () =>
    Effect.gen(function*() {
      const c = yield* authjsDatabase("authjs", authjsRows)
      const first = yield* migrateOn(c)
      assert.isAbove(first.applied.length, 0)
      expect((yield* migrateOn(c)).applied).toEqual([])

      const store = PostgresUsers.make(c)
      const ada = Option.getOrThrow(yield* store.getUserByAccount(github))
      expect(ada).toEqual({
        id: "1",
        name: "Ada Lovelace",
        // Normalised by the migration, as authfx normalises every address it looks up.
        email: "ada@example.com",
        emailVerified: null,
        image: "https://avatars.example/ada.png"
      })
      assert.strictEqual(Option.getOrThrow(yield* store.getUserByEmail(Email.make("ada@example.com"))).id, "1")
      const grace = Option.getOrThrow(yield* store.getUserByEmail(Email.make("grace@example.com")))
      expect(grace.emailVerified).toEqual(new Date("2024-01-02T03:04:05Z"))

      const account = Option.getOrThrow(yield* store.getAccount(github))
      expect({
        userId: account.userId,
        type: account.type,
        accessToken: account.accessToken === null ? null : Redacted.value(account.accessToken),
        refreshToken: account.refreshToken === null ? null : Redacted.value(account.refreshToken),
        expiresAt: account.expiresAt,
        scope: account.scope,
        tokenType: account.tokenType,
        needsReauth: account.needsReauth
      }).toEqual({
        userId: "1",
        type: "oauth",
        accessToken: "gho_access",
        refreshToken: "ghr_refresh",
        expiresAt: new Date(expiresAt * 1000),
        scope: "read:user user:email",
        tokenType: "bearer",
        needsReauth: false
      })

      // Signing in with another provider links to the existing user; the new row gets the next id.
      const google = { provider: ProviderId.make("google"), providerAccountId: "g-1" }
      yield* store.linkAccount({
        ...google,
        userId: ada.id,
        type: "oidc",
        accessToken: Redacted.make("ya29"),
        refreshToken: null,
        idToken: Redacted.make("eyJ"),
        expiresAt: null,
        tokenType: "bearer",
        scope: "openid email",
        sessionState: null,
        needsReauth: false
      })
      expect((yield* store.listAccounts(ada.id)).map((a) => a.provider)).toEqual(["github", "google"])
      const newcomer = yield* store.createUser({ name: null, email: Email.make("new@example.com"), emailVerified: null, image: null })
      assert.strictEqual(newcomer.id, "3")
      assert.strictEqual((yield* Effect.flip(store.createUser({ ...newcomer, email: Email.make("ada@example.com") })))._tag, "EmailTaken")

      // The pending e-mail sign-in is still there (its hash is Auth.js's, so authfx's link check will not match it).
      const pending = yield* store.consumeVerificationToken("grace@example.com", sha256("magic-token" + "secret"))
      assert.isTrue(Option.isSome(pending))

      // An Auth.js session row held the raw token; authfx looks sessions up by the token's SHA-256, which the
      // migration (0010) stored in its place: the user's cookie keeps working, and the table holds no cookie.
      const session = Option.getOrThrow(yield* store.getSessionAndUser(sha256(rawSessionToken)))
      assert.strictEqual(session.user.id, "1")
      assert.isTrue(Option.isNone(yield* store.getSessionAndUser(rawSessionToken)))

      // Deleting a user now takes its accounts and sessions along (Auth.js's tables had no foreign keys).
      assert.isTrue(yield* store.deleteUser(ada.id))
      assert.isTrue(Option.isNone(yield* store.getAccount(github)))
      assert.isTrue(Option.isNone(yield* store.getSessionAndUser(sha256(rawSessionToken))))
    }).pipe(Effect.scoped))

  it.live("hashes Auth.js's session tokens once: every row at the take-over, later only rows authfx cannot have written", () =>
    Effect.gen(function*() {
      // An application with its own generateSessionToken may have made tokens that look like a SHA-256 hex.
      const hexLooking = "ab".repeat(32)
      const c = yield* authjsDatabase("authjs_sessions", async (sql) => {
        await sql`INSERT INTO users (email) VALUES ('ada@example.com')`
        await sql`
          INSERT INTO sessions ("userId", expires, "sessionToken")
          VALUES (1, now() + interval '30 days', ${rawSessionToken}), (1, now() + interval '30 days', ${hexLooking})`
      })
      yield* migrateOn(c)
      const store = PostgresUsers.make(c)
      for (const token of [rawSessionToken, hexLooking]) {
        assert.strictEqual(Option.getOrThrow(yield* store.getSessionAndUser(sha256(token))).user.id, "1", token)
      }

      // A database authfx already ran on when 0010 arrives: its own rows (hashes) stay as they are, rows Auth.js
      // wrote beside it (a UUID, never 64 hex digits) are hashed.
      const ours = sha256("an authfx cookie token")
      const besideIt = crypto.randomUUID()
      yield* Effect.promise(async () => {
        await c.sql`DELETE FROM authfx_migrations WHERE version = 10`
        await c.sql`
          INSERT INTO sessions ("userId", expires, "sessionToken")
          VALUES (1, now() + interval '30 days', ${ours}), (1, now() + interval '30 days', ${besideIt})`
      })
      expect((yield* migrateOn(c)).applied).toEqual(["0010_authjs_sessions_hashed.sql"])
      assert.strictEqual(Option.getOrThrow(yield* store.getSessionAndUser(ours)).user.id, "1")
      assert.strictEqual(Option.getOrThrow(yield* store.getSessionAndUser(sha256(besideIt))).user.id, "1")
      for (const token of [rawSessionToken, hexLooking]) {
        assert.isTrue(Option.isSome(yield* store.getSessionAndUser(sha256(token))), `${token} is not hashed twice`)
      }
    }).pipe(Effect.scoped))

  // Auth.js stored provider addresses as the provider spelled them. The migration must key each user the
  // way normalizeEmail keys every lookup — and fold no look-alike onto another user's address: with NFKC
  // it made \u212Aate@ into kate@ (here: a clash that stopped the migration; alone, a user who then
  // receives kate@'s sign-ins).
  it.live("normalises addresses exactly as normalizeEmail does: ASCII case, white space and NFC only", () =>
    Effect.gen(function*() {
      const stored = [
        "  Ada@Example.COM ",
        "kate@example.com",
        "\u212Aate@example.com",
        "\u24D0lice@example.com",
        "\uFF41lice@example.com",
        "alice@example.com",
        "\u00C9LODIE@Example.com",
        "\u00E9lodie@example.com",
        "e\u0301mile@example.com",
        "J\u030Cos\u00E9@example.com",
        "\u0130REM@example.com",
        "irem@example.com",
        "\t\u3000Bob@Example.com\u00A0\uFEFF",
        "\u2003\n"
      ]
      const c = yield* authjsDatabase("authjs_lookalikes", async (sql) => {
        for (const email of stored) await sql`INSERT INTO users (email) VALUES (${email})`
      })
      yield* migrateOn(c)
      const after = yield* Effect.promise(() => c.sql<Array<{ email: string | null }>>`SELECT email FROM users ORDER BY id`)
      // An address normalizeEmail refuses (KELVIN SIGN) is left as it was: no lookup ever finds it.
      expect(after.map((row) => row.email)).toEqual(
        stored.map((email) => email.trim() === "" ? null : Option.getOrElse(normalizeEmail(email), () => email))
      )
      expect(after.map((row) => row.email)).toEqual([
        "ada@example.com",
        "kate@example.com",
        "\u212Aate@example.com",
        "\u24D0lice@example.com",
        "\uFF41lice@example.com",
        "alice@example.com",
        "\u00C9lodie@example.com",
        "\u00E9lodie@example.com",
        "\u00E9mile@example.com",
        "\u01F0os\u00E9@example.com",
        "\u0130rem@example.com",
        "irem@example.com",
        "bob@example.com",
        null
      ])
      const store = PostgresUsers.make(c)
      const kate = Option.getOrThrow(yield* store.getUserByEmail(Email.make("kate@example.com")))
      assert.strictEqual(kate.id, "2")
    }).pipe(Effect.scoped))

  it.live("ends with the same schema as a fresh install", () =>
    Effect.gen(function*() {
      const upgraded = yield* authjsDatabase("authjs_shape", async () => {})
      yield* migrateOn(upgraded)
      const freshSchema = randomSchema("fresh_shape")
      yield* Effect.addFinalizer(() => Effect.orDie(dropSchema(databaseUrl, freshSchema)))
      const fresh = yield* client(freshSchema, { max: 1 })
      yield* migrateOn(fresh)
      const [a, b] = [
        yield* columnsAndConstraints(upgraded.sql, upgraded.schema ?? ""),
        yield* columnsAndConstraints(fresh.sql, freshSchema)
      ]
      expect(a).toEqual(b)
    }).pipe(Effect.scoped))

  it.live.each([
    {
      case: "two users share an address (ignoring case)",
      rows: (sql: postgres.Sql) => sql`INSERT INTO users (email) VALUES ('a@example.com'), ('A@Example.com ')`,
      message: "1 e-mail addresses are each held by more than one user"
    },
    {
      case: "an account belongs to a deleted user",
      rows: (sql: postgres.Sql) =>
        sql`INSERT INTO accounts ("userId", type, provider, "providerAccountId") VALUES (42, 'oauth', 'github', '1')`,
      message: "1 accounts belong to users that do not exist"
    },
    {
      case: "a provider account is linked twice",
      rows: async (sql: postgres.Sql) => {
        await sql`INSERT INTO users (email) VALUES ('a@example.com'), ('b@example.com')`
        await sql`
          INSERT INTO accounts ("userId", type, provider, "providerAccountId")
          VALUES (1, 'oauth', 'github', '7'), (2, 'oauth', 'github', '7')`
      },
      message: "1 provider accounts are linked more than once"
    },
    {
      case: "a user has two accounts at one provider",
      rows: async (sql: postgres.Sql) => {
        await sql`INSERT INTO users (email) VALUES ('a@example.com')`
        await sql`
          INSERT INTO accounts ("userId", type, provider, "providerAccountId")
          VALUES (1, 'oauth', 'github', '7'), (1, 'oauth', 'github', '8')`
      },
      message: "1 users have more than one account at the same provider"
    }
  ])("stops with a clear message, changing nothing, when $case", ({ message, rows }) =>
    Effect.gen(function*() {
      const c = yield* authjsDatabase("authjs_bad", rows)
      const error = yield* Effect.flip(migrateOn(c))
      assert.include(error.message, message)
      assert.include(error.message, "Find them with: SELECT")
      assert.include(error.migration ?? "", "0002")
      // Personal data stays out of the message even though the rows hold some.
      assert.notInclude(error.message, "example.com")
      const left = yield* Effect.promise(() =>
        c.sql`SELECT to_regclass('authfx_migrations') IS NULL AS none, (SELECT count(*) FROM pg_constraint WHERE conname = 'users_email_key' AND connamespace = ${c.schema ?? ""}::regnamespace)::int AS constraints`
      )
      expect(left[0]).toEqual({ none: true, constraints: 0 })
    }).pipe(Effect.scoped))

  it.live("refuses tables that are not Auth.js's, naming the missing columns", () =>
    Effect.gen(function*() {
      const c = yield* authjsDatabase("not_authjs", (sql) => sql`ALTER TABLE users DROP COLUMN "emailVerified"`)
      const error = yield* Effect.flip(migrateOn(c))
      assert.include(error.message, "missing columns: users.emailVerified")
    }).pipe(Effect.scoped))
})
