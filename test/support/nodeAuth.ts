import { createServer } from "node:http"
import type { AuthfxOptions } from "../../src/compose/createAuth.ts"
import { startAuth } from "./httpHarness.ts"
import { listen, makeNodeBrowser, type NodeBrowser } from "./nodeBrowser.ts"

/**
 * `startAuth` (memory adapters, scripted provider, memory outbox unless overridden) mounted as a Node
 * listener in `http.createServer` on 127.0.0.1 and a free port. The server starts first so the configured
 * URL (AUTH_URL) is the server's real origin; browsers talk to it over real HTTP.
 */
export const serveAuth = async (overrides: Partial<AuthfxOptions> = {}) => {
  const server = createServer()
  const listening = await listen(server)
  const t = await startAuth({ ...overrides, http: { ...overrides.http, url: `${listening.origin}/auth` } }).catch(
    async (error: unknown) => {
      await listening.close()
      throw error
    }
  )
  server.on("request", t.auth.listener)
  return {
    ...t,
    origin: listening.origin,
    port: listening.port,
    browser: (): NodeBrowser => makeNodeBrowser(listening.origin),
    close: async () => {
      await listening.close()
      await t.auth.dispose()
    }
  }
}

export type ServedAuth = Awaited<ReturnType<typeof serveAuth>>
