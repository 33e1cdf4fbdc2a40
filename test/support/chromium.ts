/**
 * Chromium driven by playwright-core, for browser end-to-end tests.
 *
 * - Which Chromium (`chooseChromium`): Debian's (/usr/bin/chromium) when it is installed, else the one the npm
 *   registry ships (@sparticuz/chromium, unpacked by npmChromium.ts), so `npm install && npm test` needs no
 *   browser on the machine. `AUTHFX_CHROMIUM=npm` takes npm's even when Debian's is there (to try a machine
 *   without it); `AUTHFX_CHROMIUM=/path/to/chrome` names any other executable.
 * - `launchChromium` starts it headless with a fresh profile (Playwright makes a temporary user-data dir
 *   per launch and removes it on close) and everything that phones home switched off: these tests run
 *   with the network closed, and nothing may be fetched from outside 127.0.0.1. Playwright never
 *   downloads a browser here: it only runs the executable it is given.
 * - `watch` records what a person would not see but a page must not do: console errors, uncaught
 *   exceptions, requests that failed, and answers of 400 or more (a test marks the ones it expects).
 * - `screenshot` saves a full-page PNG under test-artifacts/screenshots/ (gitignored).
 */
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { type Browser, chromium, type Page } from "playwright-core"
import { npmChromium } from "./npmChromium.ts"

export const debianChromium = "/usr/bin/chromium"

/** The browser a run uses: an executable on disk, or npm's (unpacked on first use). */
export type ChromiumChoice =
  | { readonly _tag: "Executable"; readonly path: string }
  | { readonly _tag: "Npm" }

/** `AUTHFX_CHROMIUM` (unset, empty, "npm" or a path) and whether Debian's Chromium is installed → the browser. */
export const chooseChromium = (setting: string | undefined, debianInstalled: boolean): ChromiumChoice => {
  if (setting === "npm") return { _tag: "Npm" }
  if (setting !== undefined && setting !== "") return { _tag: "Executable", path: setting }
  return debianInstalled ? { _tag: "Executable", path: debianChromium } : { _tag: "Npm" }
}

const args = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic"
]

/** The browser, or why there is none: a test that cannot run says so instead of passing quietly. */
export type Launched =
  | { readonly _tag: "Launched"; readonly browser: Browser }
  | { readonly _tag: "Unavailable"; readonly reason: string }

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error))

export const launchChromium = async (): Promise<Launched> => {
  const choice = chooseChromium(process.env["AUTHFX_CHROMIUM"], existsSync(debianChromium))
  let executablePath: string
  let env: Readonly<Record<string, string>> = {}
  if (choice._tag === "Executable") {
    if (!existsSync(choice.path)) return { _tag: "Unavailable", reason: `${choice.path} (AUTHFX_CHROMIUM) does not exist` }
    executablePath = choice.path
  } else {
    try {
      ;({ executablePath, env } = npmChromium())
    } catch (error) {
      return { _tag: "Unavailable", reason: `the Chromium of @sparticuz/chromium could not be unpacked (did npm install run?): ${reasonOf(error)}` }
    }
  }
  try {
    const browser = await chromium.launch({ executablePath, headless: true, args, env: { ...process.env, ...env }, timeout: 30_000 })
    return { _tag: "Launched", browser }
  } catch (error) {
    return { _tag: "Unavailable", reason: `${executablePath} did not start: ${reasonOf(error)}` }
  }
}

// ---------------------------------------------------------------- what a page did wrong

export interface Problem {
  readonly kind: "console" | "pageerror" | "requestfailed" | "response"
  /** The page's URL when it happened (the request's for requests). */
  readonly url: string
  readonly detail: string
}

export interface Watch {
  readonly problems: () => ReadonlyArray<Problem>
  /** Answers ≥ 400 that the test asks for on purpose (e.g. the Verification error page's 403). */
  readonly expectStatus: (test: (url: URL, status: number) => boolean) => void
}

/** Records every problem of `page` and of every page later opened in its context. */
export const watch = (page: Page): Watch => {
  const problems: Array<Problem> = []
  const expected: Array<(url: URL, status: number) => boolean> = []
  const observe = (target: Page) => {
    target.on("console", (message) => {
      // The location names the resource a "Failed to load resource" error is about; else the page.
      if (message.type() !== "error") return
      const where = message.location().url === "" ? target.url() : message.location().url
      // Chromium also logs every ≥400 answer on the console; an answer the test asked for is not a problem.
      const status = /^Failed to load resource: the server responded with a status of (\d{3})/.exec(message.text())?.[1]
      if (status !== undefined && expected.some((test) => test(new URL(where), Number(status)))) return
      problems.push({ kind: "console", url: where, detail: message.text() })
    })
    target.on("pageerror", (error) => problems.push({ kind: "pageerror", url: target.url(), detail: error.message }))
    target.on("requestfailed", (request) => {
      const reason = request.failure()?.errorText ?? "failed"
      // A navigation the test itself replaced (goto while a redirect was in flight) is not the page's fault.
      if (reason === "net::ERR_ABORTED" && request.isNavigationRequest()) return
      problems.push({ kind: "requestfailed", url: request.url(), detail: `${request.method()} ${reason}` })
    })
    target.on("response", (response) => {
      const status = response.status()
      if (status < 400) return
      const url = new URL(response.url())
      if (expected.some((test) => test(url, status))) return
      problems.push({ kind: "response", url: response.url(), detail: `${response.request().method()} → ${status}` })
    })
  }
  observe(page)
  page.context().on("page", observe)
  return { problems: () => [...problems], expectStatus: (test) => void expected.push(test) }
}

// ---------------------------------------------------------------- screenshots

export const screenshotDir = fileURLToPath(new URL("../../test-artifacts/screenshots/", import.meta.url))

export const screenshotPath = (name: string): string => `${screenshotDir}${name}.png`

/** A full-page PNG of the page as it is now, named after what it shows. */
export const screenshot = async (page: Page, name: string): Promise<string> => {
  mkdirSync(screenshotDir, { recursive: true })
  const path = screenshotPath(name)
  await page.screenshot({ path, fullPage: true, animations: "disabled" })
  return path
}

const pngSignature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

/** Width and height from the IHDR chunk when `path` is a PNG, else null (missing, empty or not a PNG). */
export const pngSize = (path: string): { readonly width: number; readonly height: number } | null => {
  if (!existsSync(path) || statSync(path).size < 24) return null
  const bytes = readFileSync(path)
  if (!bytes.subarray(0, 8).equals(pngSignature) || bytes.toString("latin1", 12, 16) !== "IHDR") return null
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) }
}
