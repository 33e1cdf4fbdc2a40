import { Auth, type AuthConfig } from "@auth/core"
import Credentials from "@auth/core/providers/credentials"
import { createServer, type IncomingMessage, type RequestListener } from "node:http"
import { announce, listenFree, secret } from "./common.ts"

/**
 * @auth/core as an application on node:http would run it: each request becomes a web `Request`, goes
 * through `Auth(request, config)` with a JWT session, and the `Response` is written back (Set-Cookie
 * included: Auth.js re-issues the session cookie on every GET /session).
 */
const config: AuthConfig = {
  secret,
  trustHost: true,
  basePath: "/auth",
  session: { strategy: "jwt" },
  providers: [
    Credentials({
      credentials: { username: { label: "Username" }, password: { label: "Password", type: "password" } },
      authorize: () => null
    })
  ]
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

/** `Auth(request, config)` on node:http: each request becomes a web Request, its Response is written back. */
export const authcoreListener = (config: AuthConfig): RequestListener => (req, res) => {
  toRequest(req)
    .then((request) => Auth(request, config))
    .then(async (response) => {
      const body = Buffer.from(await response.arrayBuffer())
      response.headers.forEach((value, name) => {
        if (name !== "set-cookie") res.setHeader(name, value)
      })
      const cookies = response.headers.getSetCookie()
      if (cookies.length > 0) res.setHeader("set-cookie", cookies)
      res.setHeader("content-length", String(body.length))
      res.writeHead(response.status)
      res.end(body)
    })
    .catch((error: unknown) => {
      console.error("authcore server:", error)
      if (!res.headersSent) res.writeHead(500)
      res.end()
    })
}

// Run as a bench child (not when imported by authcore-pg.ts).
if (import.meta.filename === process.argv[1]) {
  const server = createServer(authcoreListener(config))
  announce({ port: await listenFree(server) })
}
