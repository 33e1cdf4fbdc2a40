import type { Browser, BrowserContext } from "playwright-core"
import { afterAll, afterEach, beforeAll } from "vitest"
import { launchChromium, type Launched } from "../support/chromium.ts"

/**
 * The hooks of a browser test (file or describe): Chromium and what `start` starts (the server under test),
 * both before the tests; the browser contexts a test opened, closed after it (a tab left open would keep
 * reading the session into the next test's counts); everything, closed at the end — also after a failed start.
 * `ready()` hands the browser and the started things to a test, or fails it with the reason they are missing.
 */
export const browserRig = <S extends object>(start: () => Promise<S>, stop: (started: S) => Promise<void>) => {
  let launched: Launched = { _tag: "Unavailable", reason: "beforeAll did not run" }
  let started: S | undefined
  const contexts: Array<BrowserContext> = []

  beforeAll(async () => {
    const [browser, server] = await Promise.allSettled([launchChromium(), start()])
    if (browser.status === "fulfilled") launched = browser.value
    if (server.status === "rejected") throw server.reason
    started = server.value
  }, 60_000)

  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close()
  })

  afterAll(async () => {
    const errors: Array<unknown> = []
    for (const context of contexts.splice(0)) await context.close().catch((error: unknown) => errors.push(error))
    if (launched._tag === "Launched") await launched.browser.close().catch((error: unknown) => errors.push(error))
    if (started !== undefined) await stop(started).catch((error: unknown) => errors.push(error))
    if (errors.length > 0) throw new AggregateError(errors, "closing the browser or the server")
  }, 30_000)

  const ready = (): S & { readonly browser: Browser } => {
    if (launched._tag === "Unavailable") throw new Error(`Chromium is unavailable, so this browser test cannot run: ${launched.reason}`)
    if (started === undefined) throw new Error("the server did not start (see beforeAll)")
    return { ...started, browser: launched.browser }
  }

  /** A fresh browser profile (no cookies), with a 5-second default timeout; closed after the test. */
  const newContext = async () => {
    const context = await ready().browser.newContext()
    contexts.push(context)
    context.setDefaultTimeout(5_000)
    return context
  }

  return { ready, newContext }
}
