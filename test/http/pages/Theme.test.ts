import { describe, expect, it } from "vitest"
import { layout, stylesheet } from "../../../src/http/pages/layout.ts"
import { raw } from "../../../src/http/pages/html.ts"
import { defaultTheme, sanitizeTheme } from "../../../src/http/pages/Theme.ts"
import type { Theme } from "../../../src/http/pages/Theme.ts"
import { all, one, parseDocument } from "./parseHtml.ts"

describe("sanitizeTheme", () => {
  it("gives the defaults for no theme", () => {
    expect(sanitizeTheme(undefined)).toEqual(defaultTheme)
    expect(sanitizeTheme({})).toEqual(defaultTheme)
  })

  it.each(["#abc", "#abcd", "#a1B2c3", "#a1b2c3d4"])("keeps the hex colour %s", (color) => {
    expect(sanitizeTheme({ brandColor: color, buttonText: color })).toMatchObject({
      brandColor: color,
      buttonText: color
    })
  })

  it.each([
    "red;}body{display:none",
    "#fff;}body{display:none",
    "red",
    "#12345",
    "#ggg",
    " #fff",
    "#fff\n",
    "rgb(1, 2, 3)",
    "var(--x)",
    "</style><script>alert(1)</script>",
    ""
  ])("replaces the colour %j with the default", (color) => {
    expect(sanitizeTheme({ brandColor: color, buttonText: color })).toMatchObject({
      brandColor: defaultTheme.brandColor,
      buttonText: defaultTheme.buttonText
    })
  })

  it.each([
    ["https://cdn.example.com/logo.svg", "https://cdn.example.com/logo.svg"],
    ["/static/logo.png", "/static/logo.png"]
  ])("keeps the logo %s", (logo, expected) => {
    expect(sanitizeTheme({ logo }).logo).toBe(expected)
  })

  it.each([
    "javascript:alert(1)",
    "JAVASCRIPT:alert(1)",
    "java\nscript:alert(1)",
    "data:image/svg+xml,<svg onload=alert(1)>",
    "http://cdn.example.com/logo.svg",
    "//evil.example/logo.svg",
    "/\\evil.example/logo.svg",
    "logo.svg",
    "\" onerror=\"alert(1)",
    ""
  ])("drops the logo %j", (logo) => {
    expect(sanitizeTheme({ logo }).logo).toBeNull()
  })

  it("keeps light and dark and makes anything else auto", () => {
    expect(sanitizeTheme({ colorScheme: "light" }).colorScheme).toBe("light")
    expect(sanitizeTheme({ colorScheme: "dark" }).colorScheme).toBe("dark")
    expect(sanitizeTheme({ colorScheme: "neon" } as unknown as Theme).colorScheme).toBe("auto")
  })
})

describe("layout with a theme", () => {
  const render = (theme: Theme) => layout({ theme, title: "T", body: raw("<h1>T</h1>") })

  it("puts a valid brand colour into the stylesheet as a CSS variable", () => {
    expect(render({ brandColor: "#112233", buttonText: "#fefefe" })).toContain("--brand: #112233; --brand-text: #fefefe;")
  })

  it("never writes a rejected colour or logo into the page", () => {
    const page = render({ brandColor: "red;}body{display:none", logo: "javascript:alert(1)" })
    expect(page).not.toContain("display:none")
    expect(page).not.toContain("javascript:")
    expect(all(parseDocument(page), "img")).toEqual([])
    expect(page).toContain(`--brand: ${defaultTheme.brandColor};`)
  })

  it("shows a valid logo with alt text and no referrer", () => {
    const img = one(parseDocument(render({ logo: "https://cdn.example.com/logo.svg" })), "img")
    expect(img.attrs).toMatchObject({ src: "https://cdn.example.com/logo.svg", alt: "Logo", referrerpolicy: "no-referrer" })
  })

  it("follows the system colour scheme unless one is forced", () => {
    const auto = stylesheet(sanitizeTheme({}))
    expect(auto).toContain("@media (prefers-color-scheme: dark)")
    expect(render({})).toContain(`<meta name="color-scheme" content="light dark">`)
    const dark = stylesheet(sanitizeTheme({ colorScheme: "dark" }))
    expect(dark).not.toContain("prefers-color-scheme")
    expect(dark).toContain("color-scheme: dark")
    expect(dark).not.toContain("color-scheme: light")
    expect(render({ colorScheme: "light" })).toContain(`<meta name="color-scheme" content="light">`)
  })

  it("puts exactly stylesheet(theme) in the style element, so a CSP hash of it matches", () => {
    const theme: Theme = { brandColor: "#0a0", colorScheme: "dark" }
    expect(render(theme)).toContain(`<style>${stylesheet(sanitizeTheme(theme))}</style>`)
  })

  it("has focus rings, touch-sized controls and a reduced-motion rule, and loads nothing", () => {
    const css = stylesheet(defaultTheme)
    expect(css).toContain(":focus-visible { outline: 3px solid")
    expect(css).toContain("min-height: 2.75rem")
    expect(css).toContain("@media (prefers-reduced-motion: reduce)")
    expect(css).not.toMatch(/url\(|@import/)
  })
})
