/**
 * The demo on MariaDB through the Auth.js bridge: AUTHJS_ADAPTER=kysely-mysql with DATABASE_URL naming a
 * database of this run. The demo creates the Kysely adapter's tables itself; sign-in goes through the REST API.
 */
import { createConnection } from "mysql2"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import pg from "pg"
import { afterAll, describe, expect, it } from "vitest"
import { startDemoOnFreePort } from "../../support/demoOnFreePort.ts"
import { makeNodeBrowser } from "../../support/nodeBrowser.ts"
import { databaseUrl, randomSchema } from "../postgres/testDatabase.ts"
import { randomDatabase, runStatements, serverUrl } from "./support/mariadb.ts"

const databases: Array<string> = []
afterAll(async () => {
  await runStatements(databases.map((name) => `DROP DATABASE IF EXISTS \`${name}\``))
})

const query = async <Row>(database: string, sql: string): Promise<Array<Row>> => {
  const connection = createConnection({ uri: serverUrl, database }).promise()
  try {
    const [rows] = await connection.query(sql)
    return rows as Array<Row>
  } finally {
    await connection.end()
  }
}

describe.each(["jwt", "database"] as const)("the demo with AUTHJS_ADAPTER=kysely-mysql (%s sessions)", (strategy) => {
  it("creates the tables, signs in with credentials and keeps the user in MariaDB", async () => {
    const database = randomDatabase(`demo_${strategy}`)
    databases.push(database)
    await runStatements([`CREATE DATABASE \`${database}\``])
    const { demo, origin } = await startDemoOnFreePort({
      SESSION_STRATEGY: strategy,
      AUTHJS_ADAPTER: "kysely-mysql",
      DATABASE_URL: `${serverUrl}/${database}`
    })
    try {
      expect(demo).toBeDefined()
      const browser = makeNodeBrowser(origin)
      const csrfToken = await browser.csrfToken()
      const signedIn = await browser.post("/auth/callback/credentials", { csrfToken, username: "demo", password: "demo" })
      expect(signedIn.status).toBe(302)
      expect(await (await browser.get("/auth/session")).json()).toMatchObject({ user: { email: "demo@example.com" } })

      const users = await query<{ id: string; email: string }>(database, "SELECT id, email FROM `User`")
      expect(users.map((u) => u.email)).toEqual(["demo@example.com"])
      const accounts = await query<{ userId: string; provider: string; providerAccountId: string }>(
        database,
        "SELECT userId, provider, providerAccountId FROM `Account`"
      )
      expect(accounts).toEqual([{ userId: users[0]?.id, provider: "credentials", providerAccountId: "demo:demo" }])
      const sessions = await query<{ sessionToken: string }>(database, "SELECT sessionToken FROM `Session`")
      expect(sessions.length).toBe(strategy === "database" ? 1 : 0)
      // A database session is kept as the SHA-256 of the cookie's token, never the token itself.
      for (const session of sessions) expect(session.sessionToken).toMatch(/^[0-9a-f]{64}$/)
    } finally {
      await demo?.stop()
    }
  })
})

describe("the demo with the other Auth.js adapters it accepts", () => {
  const signIn = async (env: Record<string, string>) => {
    const { demo, origin } = await startDemoOnFreePort({
      SESSION_STRATEGY: "database",
      ...env
    })
    try {
      const browser = makeNodeBrowser(origin)
      const csrfToken = await browser.csrfToken()
      await browser.post("/auth/callback/credentials", { csrfToken, username: "demo", password: "demo" })
      return await (await browser.get("/auth/session")).json()
    } finally {
      await demo?.stop()
    }
  }

  it("AUTHJS_ADAPTER=unstorage-memory", async () => {
    expect(await signIn({ AUTHJS_ADAPTER: "unstorage-memory" })).toMatchObject({ user: { email: "demo@example.com" } })
  })

  it("with AUTHFX_DB_FILE, the bridge's indexes are in the demo's SQLite ledger", async () => {
    const dir = mkdtempSync(join(tmpdir(), "authfx-demo-authjs-"))
    try {
      const file = join(dir, "ledger.sqlite")
      const env = { AUTHJS_ADAPTER: "unstorage-memory", AUTHFX_DB_FILE: file }
      expect(await signIn(env)).toMatchObject({ user: { email: "demo@example.com" } })
      const db = new DatabaseSync(file, { readOnly: true })
      try {
        const keys = db.prepare("SELECT key FROM ledger WHERE key LIKE 'authjs:%' ORDER BY key").all().map((row) => String(row["key"]))
        expect(keys.map((key) => key.split(":").slice(0, 2).join(":"))).toEqual(["authjs:accounts", "authjs:sessions"])
      } finally {
        db.close()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("AUTHJS_ADAPTER=pg, creating Auth.js's tables (and authfx's constraints) in a schema of this run", async () => {
    const schema = randomSchema("authjs_demo")
    const admin = new pg.Client({ connectionString: databaseUrl })
    await admin.connect()
    try {
      await admin.query(`CREATE SCHEMA ${schema}`)
      const url = `${databaseUrl}?options=${encodeURIComponent(`-c search_path=${schema}`)}`
      expect(await signIn({ AUTHJS_ADAPTER: "pg", DATABASE_URL: url })).toMatchObject({ user: { email: "demo@example.com" } })
      const { rows } = await admin.query(`SELECT email FROM ${schema}.users`)
      expect(rows).toEqual([{ email: "demo@example.com" }])
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
      await admin.end()
    }
  })
})
