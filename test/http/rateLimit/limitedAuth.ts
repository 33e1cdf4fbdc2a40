import { afterAll } from "vitest"
import type { AuthfxOptions } from "../../../src/compose/createAuth.ts"
import { startAuth } from "../../support/httpHarness.ts"

/**
 * `startAuth` with the given rate limits, behind one trusted proxy (so each request names its client in
 * X-Forwarded-For), disposed after the file. Call at the top level of a test file, once.
 */
export const limitedAuths = () => {
  const apps: Array<{ readonly auth: { readonly dispose: () => Promise<void> } }> = []
  afterAll(() => Promise.all(apps.map((t) => t.auth.dispose())))
  return async (rateLimit: NonNullable<AuthfxOptions["rateLimit"]>) => {
    const t = await startAuth({ http: { url: "http://localhost:3000/auth", trustedProxies: 1 }, rateLimit })
    apps.push(t)
    return t
  }
}
