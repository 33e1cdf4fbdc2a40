/**
 * The browser the tests run (test/support/chromium.ts): Debian's when installed, else npm's — and npm's must work
 * on any machine `npm install` ran on, so it is started here on every run, with Debian's installed or not.
 */
import { spawnSync } from "node:child_process"
import { chromium } from "playwright-core"
import { describe, expect, it } from "vitest"
import { chooseChromium, debianChromium, launchChromium } from "../../support/chromium.ts"
import { npmChromium } from "../../support/npmChromium.ts"

describe("chooseChromium", () => {
  const cases = [
    [undefined, true, { _tag: "Executable", path: debianChromium }],
    [undefined, false, { _tag: "Npm" }],
    ["", true, { _tag: "Executable", path: debianChromium }],
    ["", false, { _tag: "Npm" }],
    ["npm", true, { _tag: "Npm" }],
    ["npm", false, { _tag: "Npm" }],
    ["/opt/chrome/chrome", true, { _tag: "Executable", path: "/opt/chrome/chrome" }],
    ["/opt/chrome/chrome", false, { _tag: "Executable", path: "/opt/chrome/chrome" }]
  ] as const
  for (const [setting, debian, expected] of cases) {
    it(`AUTHFX_CHROMIUM=${JSON.stringify(setting)}, Debian's ${debian ? "installed" : "absent"}`, () => {
      expect(chooseChromium(setting, debian)).toEqual(expected)
    })
  }
})

describe("npm's Chromium (@sparticuz/chromium)", () => {
  // The system libraries every Debian has (libc6 and libgcc-s1 are required packages); nothing else may come
  // from the system.
  const fromTheSystem = /^(linux-vdso|libc|libm|libdl|libpthread|libgcc_s|ld-linux-x86-64)\.so/

  it("needs nothing of the system beyond libc: every other library it links comes with it", () => {
    const unpacked = npmChromium()
    const ldd = spawnSync("ldd", [unpacked.executablePath], { env: { ...process.env, ...unpacked.env }, encoding: "utf8" })
    expect(ldd.status, ldd.stderr).toBe(0)
    const libraries = ldd.stdout.split("\n").map((line) => line.trim()).filter((line) => line !== "")
    expect(libraries.some((line) => line.includes("not found")), ldd.stdout).toBe(false)
    const outside = libraries.filter((line) => !line.includes(`=> ${unpacked.env["LD_LIBRARY_PATH"]}/`) && !fromTheSystem.test(line.split(/\s/)[0]!.replace(/^\/lib64\//, "")))
    expect(outside, ldd.stdout).toEqual([])
    expect(libraries.filter((line) => line.includes(`=> ${unpacked.env["LD_LIBRARY_PATH"]}/`)).length).toBeGreaterThan(0)
  })

  it("starts and runs a page", async () => {
    const unpacked = npmChromium()
    const browser = await chromium.launch({
      executablePath: unpacked.executablePath,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu"],
      env: { ...process.env, ...unpacked.env },
      timeout: 30_000
    })
    try {
      expect(browser.version().split(".")[0]).toBe(unpacked.version.split(".")[0])
      const page = await browser.newPage()
      await page.setContent("<p id=answer></p><script>document.getElementById('answer').textContent = String(6 * 7)</script>")
      expect(await page.locator("#answer").textContent()).toBe("42")
    } finally {
      await browser.close()
    }
  })
})

describe("the browser the other tests get", () => {
  it("starts; with AUTHFX_CHROMIUM=npm it is npm's, whatever is installed", async () => {
    const launched = await launchChromium()
    if (launched._tag === "Unavailable") throw new Error(launched.reason)
    try {
      const major = launched.browser.version().split(".")[0]
      if (process.env["AUTHFX_CHROMIUM"] === "npm") expect(major).toBe(npmChromium().version.split(".")[0])
      const page = await launched.browser.newPage()
      expect(await page.evaluate(() => 6 * 7)).toBe(42)
    } finally {
      await launched.browser.close()
    }
  })
})
