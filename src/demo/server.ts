import { build } from "esbuild"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import { fileURLToPath } from "node:url"
import { type AuthfxOptions, createAuth } from "../compose/createAuth.ts"
import { MissingSecret, WeakSecret } from "../compose/secretFromEnv.ts"
import { demoOptions } from "./demoOptions.ts"
import { homePage, liveScriptPath } from "./homePage.ts"

let liveScript: Promise<Uint8Array> | undefined

/**
 * The home page's script with the authfx client, bundled once per process: the browser code is TypeScript,
 * which Node runs but browsers do not.
 */
const bundleLiveScript = () =>
  liveScript ??= build({
    entryPoints: [fileURLToPath(new URL("./browser/liveSession.ts", import.meta.url))],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2020",
    write: false,
    logLevel: "silent"
  }).then((result) => result.outputFiles[0]!.contents)

// The home page runs only its own script; nothing is fetched from elsewhere.
const homePolicy = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; " +
  "img-src 'self' https: data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

/**
 * The demo server (`npm start`): authfx under AUTH_URL's path, and a home page that shows the live session.
 * `customize` adjusts the options read from `env` (tests: a short session, callbacks).
 */
export const startDemo = async (
  env: Readonly<Record<string, string | undefined>>,
  customize: (options: AuthfxOptions) => AuthfxOptions = (options) => options
) => {
  const options = demoOptions(env)
  if (options instanceof MissingSecret || options instanceof WeakSecret) {
    console.error(`authfx demo: ${options.message}`)
    process.exitCode = 1
    return undefined
  }
  const script = await bundleLiveScript()
  const configured = customize(options)
  const auth = await createAuth(configured)
  const base = auth.basePath
  const passkeyProvider = (configured.providers ?? []).find((p) => p.type === "webauthn")?.id ?? null
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0]
    if (base === "" || path === base || path?.startsWith(`${base}/`)) return auth.listener(req, res)
    if (req.method === "GET" && path === "/") {
      auth.getSession(req).then((session) => {
        res.writeHead(200, {
          "content-type": "text/html; charset=utf-8",
          "cache-control": "no-store",
          "content-security-policy": homePolicy
        })
        res.end(homePage(session, base, passkeyProvider))
      }, () => {
        res.writeHead(503).end("unavailable")
      })
      return
    }
    if (req.method === "GET" && path === liveScriptPath) {
      res.writeHead(200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-cache" })
      return void res.end(script)
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
