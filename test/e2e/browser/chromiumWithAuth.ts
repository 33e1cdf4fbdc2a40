/**
 * Chromium and an authfx server for one browser test file: started before its tests, closed after them.
 * Without a working Chromium every test that asks `ready()` FAILS with the reason (never a silent skip).
 */
import type { Browser } from "playwright-core"
import { afterAll, beforeAll } from "vitest"
import { launchChromium, type Launched } from "../../support/chromium.ts"
import type { ServedAuth } from "../../support/nodeAuth.ts"

export const chromiumWithAuth = (serve: () => Promise<ServedAuth>) => {
  let launched: Launched = { _tag: "Unavailable", reason: "beforeAll did not run" }
  let served: ServedAuth | undefined

  beforeAll(async () => {
    launched = await launchChromium()
    if (launched._tag === "Unavailable") {
      console.error(`\n${"!".repeat(78)}\nBROWSER TESTS CANNOT RUN: ${launched.reason}\n${"!".repeat(78)}\n`)
      return
    }
    served = await serve()
  }, 60_000)

  afterAll(async () => {
    const errors: Array<unknown> = []
    if (launched._tag === "Launched") await launched.browser.close().catch((error: unknown) => errors.push(error))
    await served?.close().catch((error: unknown) => errors.push(error))
    if (errors.length > 0) throw new AggregateError(errors, "closing the browser or the server")
  }, 30_000)

  return (): { readonly browser: Browser; readonly served: ServedAuth } => {
    if (launched._tag === "Unavailable") throw new Error(`Chromium is unavailable, so this browser test cannot run: ${launched.reason}`)
    if (served === undefined) throw new Error("authfx did not start (see beforeAll)")
    return { browser: launched.browser, served }
  }
}
