import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import { createAuth } from "../compose/createAuth.ts"
import { MissingSecret } from "../compose/secretFromEnv.ts"
import { demoOptions } from "./demoOptions.ts"
import { homePage } from "./homePage.ts"

/** The demo server (`npm start`): authfx under AUTH_URL's path, and a home page that shows the session. */
export const startDemo = async (env: Readonly<Record<string, string | undefined>>) => {
  const options = demoOptions(env)
  if (options instanceof MissingSecret) {
    console.error(`authfx demo: ${options.message}`)
    process.exitCode = 1
    return undefined
  }
  const auth = await createAuth(options)
  const base = auth.basePath
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0]
    if (base === "" || path === base || path?.startsWith(`${base}/`)) return auth.listener(req, res)
    if (req.method === "GET" && path === "/") {
      auth.getSession(req).then((session) => {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" })
        res.end(homePage(session, base))
      }, () => {
        res.writeHead(503).end("unavailable")
      })
      return
    }
    // Browsers ask every site for an icon; the demo has none, which is not an error worth a console line.
    if (path === "/favicon.ico") return void res.writeHead(204).end()
    res.writeHead(404, { "content-type": "text/plain" }).end("Not found")
  })
  const port = Number(env["PORT"] ?? "3000")
  const host = env["HOST"] ?? "localhost"
  await new Promise<void>((resolve) => server.listen(port, host, resolve))
  const address = server.address()
  const shown = typeof address === "object" && address !== null ? address.port : port
  console.log(`authfx demo on http://${host}:${shown}  (API at ${base}, sign in at ${base}/signin)`)
  const stop = async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()))
    await auth.dispose()
  }
  return { server, auth, port: shown, stop }
}
