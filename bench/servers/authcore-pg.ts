import type { AuthConfig } from "@auth/core"
import PostgresAdapter from "@auth/pg-adapter"
import GitHub from "@auth/core/providers/github"
import { randomBytes } from "node:crypto"
import { createServer } from "node:http"
import pg from "pg"
import { pgAdapterConstraints, pgAdapterSchema } from "../../src/adapters/authjs/authjsSchemas.ts"
import { announce, listenFree, secret, user } from "./common.ts"
import { authcoreListener } from "./authcore.ts"

/**
 * @auth/core with database sessions in PostgreSQL through @auth/pg-adapter (a pg Pool of 10, its default
 * size in the Auth.js docs), on node:http as authcore.ts mounts it. The session row is made through the
 * adapter itself (createUser, createSession), and the cookie is its token, as Auth.js would set it.
 */
const url = process.env["BENCH_AUTHJS_DATABASE_URL"]
if (url === undefined) throw new Error("authcore-pg needs BENCH_AUTHJS_DATABASE_URL")
const pool = new pg.Pool({ connectionString: url, max: 10 })
for (const statement of [...pgAdapterSchema, ...pgAdapterConstraints]) await pool.query(statement)
const adapter = PostgresAdapter(pool)

const config: AuthConfig = {
  secret,
  trustHost: true,
  basePath: "/auth",
  adapter,
  session: { strategy: "database" },
  // Auth.js refuses credentials with database sessions; an OAuth provider it never calls during GET /session.
  providers: [GitHub({ clientId: "bench", clientSecret: "bench" })]
}

const existing = await adapter.getUserByEmail!(user.email)
const stored = existing ?? await adapter.createUser!({ id: "", name: user.name, email: user.email, image: user.picture, emailVerified: null })
const sessionToken = randomBytes(32).toString("hex")
await adapter.createSession!({ sessionToken, userId: stored.id, expires: new Date(Date.now() + 30 * 24 * 60 * 60 * 1000) })

const server = createServer(authcoreListener(config))
announce({ port: await listenFree(server), cookie: sessionToken, notes: ["authcore-pg: @auth/core database sessions on @auth/pg-adapter (pg Pool max 10)"] })
