import type { Page } from "playwright-core"

/** The trimmed text of the first element `selector` finds. */
export const text = async (page: Page, selector: string) => ((await page.locator(selector).textContent()) ?? "").trim()

/** Presses a button that submits a form, and waits for the page the browser lands on after every redirect. */
export const submit = async (page: Page, button: string): Promise<URL> => {
  const before = page.url()
  await page.getByRole("button", { name: button, exact: true }).click()
  await page.waitForURL((url) => url.href !== before)
  await page.waitForLoadState("load")
  return new URL(page.url())
}
