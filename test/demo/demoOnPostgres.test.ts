import { Effect } from "effect"
import postgres from "postgres"
import { afterAll, describe, expect, it } from "vitest"
import { databaseUrl, dropSchema, randomSchema } from "../adapters/postgres/testDatabase.ts"
import { startDemoOnFreePort } from "../support/demoOnFreePort.ts"
import { makeNodeBrowser } from "../support/nodeBrowser.ts"

// The demo on PostgreSQL: DATABASE_URL (and DATABASE_SCHEMA, so this run has a schema of its own) make it
// migrate at start and keep users, accounts and sessions there.
const schemas: Array<string> = []
afterAll(async () => {
  for (const schema of schemas) await Effect.runPromise(dropSchema(databaseUrl, schema))
})

describe.each(["jwt", "database"] as const)("the demo with DATABASE_URL (%s sessions)", (strategy) => {
  it("migrates, signs in with credentials and keeps the user and session in PostgreSQL", async () => {
    const schema = randomSchema(`demo_${strategy}`)
    schemas.push(schema)
    const { demo, origin } = await startDemoOnFreePort({
      SESSION_STRATEGY: strategy,
      DATABASE_URL: databaseUrl,
      DATABASE_SCHEMA: schema
    })
    const sql = postgres(databaseUrl, { max: 1, connection: { search_path: schema } })
    try {
      expect(demo).toBeDefined()
      const browser = makeNodeBrowser(origin)
      const csrfToken = await browser.csrfToken()
      const signedIn = await browser.post("/auth/callback/credentials", { csrfToken, username: "demo", password: "demo" })
      expect(signedIn.status).toBe(302)
      expect(await (await browser.get("/auth/session")).json()).toMatchObject({ user: { email: "demo@example.com" } })
      const users = await sql<Array<{ email: string }>>`SELECT email FROM users`
      expect(users.map((u) => u.email)).toEqual(["demo@example.com"])
      const sessions = await sql<Array<{ n: number }>>`SELECT count(*)::int AS n FROM sessions`
      expect(sessions[0]?.n).toBe(strategy === "database" ? 1 : 0)
    } finally {
      await sql.end()
      await demo?.stop()
    }
  })
})
