import type { Page } from "playwright-core"

/**
 * Makes the page hidden, then visible again, as switching away from a tab and back does (headless Chromium
 * never hides a page by itself); `alsoFocus` adds the window's focus event that comes with it.
 */
export const switchAwayAndBack = (page: Page, alsoFocus: boolean) =>
  page.evaluate((focus) => {
    const show = (state: string) => {
      Object.defineProperty(document, "visibilityState", { configurable: true, get: () => state })
      document.dispatchEvent(new Event("visibilitychange"))
    }
    show("hidden")
    show("visible")
    if (focus) dispatchEvent(new Event("focus"))
  }, alsoFocus)
