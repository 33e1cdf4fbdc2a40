import { Effect, Layer, Redacted } from "effect"
import { randomUUID } from "node:crypto"
import { createServer } from "node:http"
import * as CachedPostgresLedger from "../../src/adapters/postgres/CachedPostgresLedger.ts"
import * as CachedPostgresUsers from "../../src/adapters/postgres/CachedPostgresUsers.ts"
import * as PostgresMigrations from "../../src/adapters/postgres/migrate.ts"
import * as PostgresChanges from "../../src/adapters/postgres/PostgresChanges.ts"
import * as PostgresClient from "../../src/adapters/postgres/PostgresClient.ts"
import * as PostgresLedger from "../../src/adapters/postgres/PostgresLedger.ts"
import * as PostgresUsers from "../../src/adapters/postgres/PostgresUsers.ts"
import { type AuthfxOptions, createAuth } from "../../src/compose/createAuth.ts"
import type { ProviderId } from "../../src/domain/Account.ts"
import { TokenCodec } from "../../src/ports/TokenCodec.ts"
import { announce, cookieName, listenFree, password, secret, user } from "./common.ts"

/**
 * authfx mounted the recommended Node way: `http.createServer(auth.listener)`. By default its defaults (JWT
 * sessions, memory stores); BENCH_STORE=pg puts users, sessions and the ledger in PostgreSQL (BENCH_DATABASE_URL)
 * behind the caches of the change feed, BENCH_STORE=pg-uncached without them (as before issue 15);
 * BENCH_STRATEGY=database uses database sessions. The returning cookie is a real one, obtained by signing in
 * through authfx's own REST API (GET /csrf, POST /callback/credentials); the cold tokens (JWT only) are sealed by
 * authfx's own codec from that session's claims, each with its own `jti`.
 */
const coldCount = Number(process.env["BENCH_COLD_TOKENS"] ?? "0")
// BENCH_RATE_LIMIT=off (the authfx-nolimit server): the same server with every rate limit off, for the limits' cost.
const rateLimitOff = process.env["BENCH_RATE_LIMIT"] === "off"
const store = process.env["BENCH_STORE"] ?? "memory"
const strategy = process.env["BENCH_STRATEGY"] === "database" ? "database" : "jwt"

const postgresStores = (cached: boolean): Pick<AuthfxOptions, "users" | "ledger"> => {
  const url = process.env["BENCH_DATABASE_URL"]
  if (url === undefined) throw new Error("BENCH_STORE=pg needs BENCH_DATABASE_URL")
  const client = PostgresClient.layer({ url: Redacted.make(url), applicationName: `authfx-bench-${store}-${strategy}` })
  const migrated = PostgresMigrations.layer.pipe(Layer.provideMerge(client))
  if (!cached) {
    return { users: PostgresUsers.layer.pipe(Layer.provide(migrated)), ledger: PostgresLedger.layer.pipe(Layer.provide(migrated)) }
  }
  const changes = PostgresChanges.layer().pipe(Layer.provideMerge(migrated))
  return {
    users: CachedPostgresUsers.layer().pipe(Layer.provide(changes)),
    ledger: CachedPostgresLedger.layer().pipe(Layer.provide(changes))
  }
}

const server = createServer()
const port = await listenFree(server)
const origin = `http://127.0.0.1:${port}`

const auth = await createAuth({
  secret,
  http: { url: `${origin}/auth` },
  session: { strategy },
  ...(store === "pg" ? postgresStores(true) : store === "pg-uncached" ? postgresStores(false) : {}),
  ...(rateLimitOff ? { rateLimit: false as const } : {}),
  providers: [
    {
      type: "credentials",
      id: "credentials" as ProviderId,
      name: "Password",
      trustEmail: true,
      fields: { username: { label: "Username", type: "text" }, password: { label: "Password", type: "password" } },
      authorize: (input) =>
        input["username"] === "ada" && input["password"] === password
          ? { id: user.sub, name: user.name, email: user.email, image: user.picture, emailVerified: true }
          : null
    }
  ]
})
server.on("request", auth.listener)

/** `name=value` of each Set-Cookie that is not a deletion. */
const setCookies = (response: Response): Map<string, string> => {
  const jar = new Map<string, string>()
  for (const header of response.headers.getSetCookie()) {
    const pair = header.split(";", 1)[0]!
    const eq = pair.indexOf("=")
    if (/;\s*max-age=0/i.test(header)) continue
    jar.set(pair.slice(0, eq), pair.slice(eq + 1))
  }
  return jar
}

const signIn = async (): Promise<string> => {
  const csrf = await fetch(`${origin}/auth/csrf`)
  if (csrf.status !== 200) throw new Error(`GET /auth/csrf answered ${csrf.status}`)
  const { csrfToken } = (await csrf.json()) as { readonly csrfToken: string }
  const cookie = [...setCookies(csrf)].map(([name, value]) => `${name}=${value}`).join("; ")
  const callback = await fetch(`${origin}/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", origin, cookie },
    body: new URLSearchParams({ csrfToken, username: "ada", password, callbackUrl: "/" }).toString()
  })
  const session = setCookies(callback).get(cookieName)
  if (session === undefined) {
    throw new Error(`sign-in through POST /auth/callback/credentials gave no ${cookieName} (status ${callback.status}, location ${callback.headers.get("location")})`)
  }
  return session
}

const cookie = await signIn()

// Distinct valid tokens: the same session's claims, sealed again under the current key, each with a new jti.
const coldCookies = coldCount <= 0 || strategy !== "jwt" ? [] : await auth.runtime.runPromise(
  Effect.gen(function*() {
    const codec = yield* TokenCodec
    const claims = yield* codec.open("session", cookie)
    const tokens: Array<string> = []
    for (let i = 0; i < coldCount; i++) tokens.push(yield* codec.seal("session", { ...claims, jti: randomUUID() }))
    return tokens
  })
)

announce({
  port,
  cookie,
  coldCookies,
  notes: [`authfx (${store}, ${strategy}${rateLimitOff ? ", rateLimit: false" : ", default rate limits"}): signed in through POST /auth/callback/credentials; ${coldCookies.length} extra tokens sealed by its TokenCodec`]
})
