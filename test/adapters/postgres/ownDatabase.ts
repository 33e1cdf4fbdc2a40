/**
 * A database of its own on the test server for a group of test files (e.g. the Auth.js adapter suite), made on
 * first use and kept: files still work in random schemas inside it (testDatabase.ts), so they never meet the
 * rows of other groups' tests in the shared `test` database.
 */
import postgres from "postgres"
import { databaseUrl } from "./testDatabase.ts"

const made = new Map<string, Promise<string>>()

const create = async (name: string): Promise<string> => {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} })
  try {
    const found = await sql`SELECT 1 FROM pg_database WHERE datname = ${name}`
    // Two files may race to create it: the loser's duplicate_database (42P04) or unique violation is fine.
    if (found.length === 0) {
      await sql.unsafe(`CREATE DATABASE ${name}`).catch((error: { code?: string }) => {
        if (error.code !== "42P04" && error.code !== "23505") throw error
      })
    }
  } finally {
    await sql.end()
  }
  const url = new URL(databaseUrl)
  url.pathname = `/${name}`
  return url.toString()
}

/** The URL of database `name` (lower-case letters, digits and `_`), created if missing. */
export const ownDatabase = (name: string): Promise<string> => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new RangeError(`not a plain database name: ${name}`)
  const pending = made.get(name) ?? create(name)
  made.set(name, pending)
  return pending
}
