/**
 * The origin the browser tests talk to: it serves the test pages (`/__test/client`, `/__test/react`, and those
 * a test adds, bundled once the origin is known) and hands everything else to the server under test — the demo
 * behind a plain reverse proxy, or @auth/core in process — counting every request on the way, so a test can say
 * how many `GET …/session` a change cost.
 */
import { createServer, type IncomingMessage, request, type ServerResponse } from "node:http"
import { listen } from "../support/nodeBrowser.ts"
import { bundlePage } from "./bundle.ts"

/** Pages by path: content type and body. */
export type Assets = Record<string, readonly [string, string]>

export type Backend = (req: IncomingMessage, res: ServerResponse) => void

export interface TestOrigin {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string
  /** Requests so far, as "METHOD /path" (no query), oldest first. */
  readonly requests: () => ReadonlyArray<string>
  /** How many requests `METHOD path` there were since the last `reset`. */
  readonly count: (method: string, path: string) => number
  readonly reset: () => void
  readonly setBackend: (backend: Backend) => void
  readonly close: () => Promise<void>
}

export const pageHtml = (script: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>authfx client test</title>` +
  `<link rel="icon" href="data:,"></head><body><script type="module" src="${script}"></script></body></html>`

export const startTestOrigin = async (pages?: (origin: string) => Promise<Assets>): Promise<TestOrigin> => {
  const [clientJs, reactJs] = await Promise.all([bundlePage("clientPage.ts"), bundlePage("reactPage.tsx")])
  const assets: Assets = {
    "/__test/client": ["text/html; charset=utf-8", pageHtml("/__test/client.js")],
    "/__test/react": ["text/html; charset=utf-8", pageHtml("/__test/react.js")],
    "/__test/client.js": ["text/javascript; charset=utf-8", clientJs],
    "/__test/react.js": ["text/javascript; charset=utf-8", reactJs]
  }
  let log: Array<string> = []
  let backend: Backend = (_req, res) => void res.writeHead(503).end()
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/"
    log.push(`${req.method} ${path}`)
    const asset = assets[path]
    if (req.method === "GET" && asset !== undefined) {
      res.writeHead(200, { "content-type": asset[0], "cache-control": "no-store" })
      return void res.end(asset[1])
    }
    backend(req, res)
  })
  const listening = await listen(server)
  if (pages !== undefined) {
    try {
      Object.assign(assets, await pages(listening.origin))
    } catch (error) {
      await listening.close()
      throw error
    }
  }
  return {
    origin: listening.origin,
    requests: () => [...log],
    count: (method, path) => log.filter((entry) => entry === `${method} ${path}`).length,
    reset: () => {
      log = []
    },
    setBackend: (next) => {
      backend = next
    },
    close: listening.close
  }
}

/** A reverse proxy to a server on 127.0.0.1:`port`, headers (Host, Origin, Cookie) passed as they came. */
export const proxyTo = (port: number): Backend => (req, res) => {
  const upstream = request(
    { host: "127.0.0.1", port, method: req.method, path: req.url, headers: req.headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    }
  )
  upstream.on("error", () => {
    if (!res.headersSent) res.writeHead(502)
    res.end()
  })
  req.pipe(upstream)
}
