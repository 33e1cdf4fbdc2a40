import { describe, expect, it } from "vitest"
import { type ConfirmSignInView, confirmSignInPage } from "../../../src/http/pages/confirmSignInPage.ts"
import { all, one, parseDocument, textOf } from "./parseHtml.ts"

const view = (overrides: Partial<ConfirmSignInView> = {}): ConfirmSignInView => ({
  theme: {},
  email: "ada@example.com",
  url: "https://app.example.com/auth",
  action: "https://app.example.com/auth/callback/email",
  token: "tok_123",
  callbackUrl: "https://app.example.com/dashboard",
  csrfToken: "csrf-123",
  ...overrides
})

const hiddenOf = (page: string): Record<string, string> =>
  Object.fromEntries(all(one(parseDocument(page), "form"), "input").map((i) => [i.attrs["name"]!, i.attrs["value"]!]))

describe("confirmSignInPage", () => {
  it("names the site and the address, and has one button posting the link's fields and the CSRF token", () => {
    const page = confirmSignInPage(view())
    const doc = parseDocument(page)
    expect(textOf(one(doc, "h1"))).toBe("Sign in")
    expect(textOf(one(doc, "main"))).toContain("Sign in to app.example.com as ada@example.com?")
    const form = one(doc, "form")
    expect(form.attrs).toEqual({ method: "post", action: "https://app.example.com/auth/callback/email" })
    expect(all(form, "input").every((i) => i.attrs["type"] === "hidden")).toBe(true)
    expect(hiddenOf(page)).toEqual({
      csrfToken: "csrf-123",
      token: "tok_123",
      email: "ada@example.com",
      callbackUrl: "https://app.example.com/dashboard"
    })
    expect(all(form, "button").map((b) => [textOf(b), b.attrs["type"]])).toEqual([["Sign in", "submit"]])
  })

  it("escapes the address and the hidden values, and refuses a javascript: action", () => {
    const email = `<b>ada</b>'&@example.com`
    const page = confirmSignInPage(view({ email, token: `a"><script>alert(1)</script>`, action: "javascript:alert(1)" }))
    expect(page).not.toMatch(/<script|<b>|javascript:/i)
    expect(textOf(one(parseDocument(page), "main"))).toContain(`as ${email}?`)
    expect(hiddenOf(page)).toMatchObject({ email, token: `a"><script>alert(1)</script>` })
    expect(one(parseDocument(page), "form").attrs["action"]).toBe("#")
  })
})
