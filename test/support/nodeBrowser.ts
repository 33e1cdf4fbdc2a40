import { request, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { type Browser, makeBrowser } from "./browser.ts"

/** A server listening on 127.0.0.1 and a port the system chose. */
export interface Listening {
  readonly port: number
  /** `http://127.0.0.1:<port>` */
  readonly origin: string
  /** Stops listening and drops every connection still open (keep-alive ones included). */
  readonly close: () => Promise<void>
}

/** Starts `server` on 127.0.0.1, port 0, and says where it landed. */
export const listen = async (server: Server): Promise<Listening> => {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
  }
}

/** One request the browser made and what came back. */
export interface Exchange {
  readonly method: string
  readonly url: string
  readonly status: number
}

export interface NodeBrowser extends Browser {
  /** Every request so far, oldest first: for "no 5xx anywhere". */
  readonly exchanges: ReadonlyArray<Exchange>
}

/**
 * The test browser of `browser.ts` over real HTTP: the same cookie keeping, Origin on POSTs and
 * `redirect: "manual"`, with each request sent by `fetch` to a server on a real port. Relative URLs go
 * to `origin`; absolute ones (another server of the same test) get the same cookies, as a browser sends
 * a host's cookies to every port of it.
 */
export const makeNodeBrowser = (origin: string): NodeBrowser => {
  const exchanges: Array<Exchange> = []
  const browser = makeBrowser(async (request) => {
    const response = await fetch(request)
    exchanges.push({ method: request.method, url: request.url, status: response.status })
    return response
  }, origin)
  return { ...browser, exchanges }
}

/**
 * A GET sent with node:http, for what fetch will not send: a Host header of the test's choosing (fetch
 * always derives it from the URL), e.g. a malformed one.
 */
export const rawGet = (port: number, path: string, headers: Readonly<Record<string, string>>) =>
  new Promise<{ readonly status: number; readonly body: string }>((resolve, reject) => {
    const outgoing = request({ host: "127.0.0.1", port, path, headers: { ...headers } }, (response) => {
      const chunks: Array<Buffer> = []
      response.on("data", (chunk: Buffer) => chunks.push(chunk))
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }))
      response.on("error", reject)
    })
    outgoing.on("error", reject)
    outgoing.end()
  })
