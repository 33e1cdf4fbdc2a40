/**
 * The two servers the client's tests run against, each behind a test origin (testOrigin.ts) that serves the
 * test pages and counts requests:
 * - authfx: the demo (`startDemo`, as `npm start` runs it) with a fixed AUTH_SECRET, the DEMO credentials, an
 *   SQLite file in a temporary directory, a 60-second session renewed on every read (updateAge 0), and a jwt
 *   callback that takes a new `name` from `update(data)` (plus what a test adds: `AuthfxSetup`);
 * - Auth.js: @auth/core's `Auth(request, config)` on node:http, basePath "/api/auth", a credentials provider,
 *   JWT sessions of 60 seconds, and the same jwt callback.
 */
import { Auth, type AuthConfig } from "@auth/core"
import Credentials from "@auth/core/providers/credentials"
import { mkdtempSync, rmSync } from "node:fs"
import type { IncomingMessage, ServerResponse } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { AuthfxOptions } from "../../src/compose/createAuth.ts"
import { startDemo } from "../../src/demo/server.ts"
import { type Assets, proxyTo, startTestOrigin, type TestOrigin } from "./testOrigin.ts"

export const account = { username: "grace", password: "correct horse battery staple", email: "grace@client.example" } as const

/** The session lifetime both servers are given: short enough that a renewal shows within seconds. */
export const sessionMaxAge = 60

export interface ClientServer {
  readonly label: string
  readonly front: TestOrigin
  /** "/auth" (authfx) or "/api/auth" (Auth.js). */
  readonly basePath: string
  readonly sessionCookie: string
  /** What the server logged as errors, by type. */
  readonly serverErrors: () => ReadonlyArray<string>
  readonly stop: () => Promise<void>
}

/** `update({ name })` renames the session's user: the way Auth.js documents `update`. */
const renamed = (session: unknown): string | undefined => {
  const name = typeof session === "object" && session !== null ? (session as { readonly name?: unknown }).name : undefined
  return typeof name === "string" ? name : undefined
}

/** Runs `steps` in reverse, all of them, failing with every error at the end. */
const stopAll = async (steps: ReadonlyArray<() => Promise<void>>) => {
  const errors: Array<unknown> = []
  for (const step of [...steps].reverse()) await step().catch((error: unknown) => errors.push(error))
  if (errors.length > 0) throw new AggregateError(errors, "stopping the client test server")
}

/** What a test adds to the demo: environment variables, its own pages, and options on top of the above. */
export interface AuthfxSetup {
  readonly env?: Readonly<Record<string, string>>
  readonly pages?: (origin: string) => Promise<Assets>
  readonly customize?: (options: AuthfxOptions) => AuthfxOptions
}

export const startAuthfx = async (setup: AuthfxSetup = {}): Promise<ClientServer> => {
  const customize = setup.customize ?? ((options: AuthfxOptions) => options)
  const steps: Array<() => Promise<void>> = []
  try {
    const front = await startTestOrigin(setup.pages)
    steps.push(front.close)
    const dir = mkdtempSync(join(tmpdir(), "authfx-client-"))
    steps.push(async () => rmSync(dir, { recursive: true, force: true }))
    const demo = await startDemo({
      PORT: "0",
      HOST: "127.0.0.1",
      AUTH_URL: `${front.origin}/auth`,
      AUTH_SECRET: "luVYDTdAt/m6W6YKOvrr2p6IuybdwC0FfLyzLAXgKWNG",
      DEMO_USERNAME: account.username,
      DEMO_PASSWORD: account.password,
      DEMO_EMAIL: account.email,
      AUTHFX_DB_FILE: join(dir, "authfx.sqlite"),
      // Each suite signs the one test user in dozens of times a minute from 127.0.0.1, which the limits refuse;
      // the limits have browser tests of their own (test/e2e/browser/rateLimited.test.ts).
      RATE_LIMIT: "off",
      ...setup.env
    }, (options) => customize({
      ...options,
      session: { ...options.session, maxAge: sessionMaxAge, updateAge: 0 },
      callbacks: {
        ...options.callbacks,
        jwt: ({ token, trigger, session }) => {
          const name = trigger === "update" ? renamed(session) : undefined
          return name === undefined ? token : { ...token, name }
        }
      }
    }))
    if (demo === undefined) throw new Error("startDemo refused its configuration")
    steps.push(async () => {
      demo.server.closeAllConnections()
      await demo.stop()
    })
    front.setBackend(proxyTo(demo.port))
    return {
      label: "authfx (the demo server)",
      front,
      basePath: "/auth",
      sessionCookie: "authjs.session-token",
      serverErrors: () => [],
      stop: () => stopAll(steps.splice(0))
    }
  } catch (error) {
    await stopAll(steps.splice(0)).catch(() => {})
    throw error
  }
}

const readBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => resolve(Buffer.concat(chunks)))
    req.on("error", reject)
  })

const toRequest = async (req: IncomingMessage): Promise<Request> => {
  const headers = new Headers()
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!)
  const url = `http://${req.headers.host ?? "127.0.0.1"}${req.url ?? "/"}`
  const method = req.method ?? "GET"
  if (method === "GET" || method === "HEAD") return new Request(url, { method, headers })
  return new Request(url, { method, headers, body: new Uint8Array(await readBody(req)) })
}

const writeResponse = async (response: Response, res: ServerResponse) => {
  const body = Buffer.from(await response.arrayBuffer())
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") res.setHeader(name, value)
  })
  const cookies = response.headers.getSetCookie()
  if (cookies.length > 0) res.setHeader("set-cookie", cookies)
  res.setHeader("content-length", String(body.length))
  res.writeHead(response.status)
  res.end(body)
}

export const startAuthCore = async (): Promise<ClientServer> => {
  const front = await startTestOrigin()
  const errors: Array<string> = []
  const config: AuthConfig = {
    secret: "luVYDTdAt/m6W6YKOvrr2p6IuybdwC0FfLyzLAXgKWNG",
    trustHost: true,
    basePath: "/api/auth",
    session: { strategy: "jwt", maxAge: sessionMaxAge },
    providers: [
      Credentials({
        credentials: { username: { label: "Username" }, password: { label: "Password", type: "password" } },
        authorize: (credentials) =>
          credentials.username === account.username && credentials.password === account.password
            ? { id: "grace", name: account.username, email: account.email }
            : null
      })
    ],
    callbacks: {
      jwt: ({ token, trigger, session }) => {
        const name = trigger === "update" ? renamed(session) : undefined
        return name === undefined ? token : { ...token, name }
      }
    },
    logger: {
      error: (error) => void errors.push((error as Error & { readonly type?: string }).type ?? error.name),
      warn: () => {},
      debug: () => {}
    }
  }
  front.setBackend((req, res) => {
    toRequest(req)
      .then((request) => Auth(request, config))
      .then((response) => writeResponse(response, res))
      .catch((error: unknown) => {
        errors.push(`node:http bridge: ${error instanceof Error ? error.message : String(error)}`)
        if (!res.headersSent) res.writeHead(500)
        res.end()
      })
  })
  return {
    label: "Auth.js (@auth/core 0.41)",
    front,
    basePath: "/api/auth",
    sessionCookie: "authjs.session-token",
    serverErrors: () => [...errors],
    stop: front.close
  }
}
