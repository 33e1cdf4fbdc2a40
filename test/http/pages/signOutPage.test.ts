import { describe, expect, it } from "vitest"
import { signOutPage } from "../../../src/http/pages/signOutPage.ts"
import type { SignOutView } from "../../../src/http/pages/signOutPage.ts"
import { all, one, parseDocument, textOf } from "./parseHtml.ts"

const view = (overrides: Partial<SignOutView> = {}): SignOutView => ({
  theme: {},
  csrfToken: "csrf-123",
  callbackUrl: "https://app.example.com/",
  signOutUrl: "https://app.example.com/auth/signout",
  ...overrides
})

const hiddenOf = (page: string): Record<string, string> =>
  Object.fromEntries(all(one(parseDocument(page), "form"), "input").map((i) => [i.attrs["name"]!, i.attrs["value"]!]))

describe("signOutPage", () => {
  it("asks for confirmation with one form posting the CSRF token and callbackUrl to the sign-out URL", () => {
    const doc = parseDocument(signOutPage(view()))
    expect(textOf(one(doc, "main"))).toContain("Are you sure you want to sign out?")
    const form = one(doc, "form")
    expect(form.attrs).toEqual({ method: "post", action: "https://app.example.com/auth/signout" })
    expect(all(form, "input").map((i) => i.attrs["type"])).toEqual(["hidden", "hidden"])
    expect(hiddenOf(signOutPage(view()))).toEqual({ csrfToken: "csrf-123", callbackUrl: "https://app.example.com/" })
    expect(textOf(one(form, "button"))).toBe("Sign out")
    expect(one(form, "button").attrs["type"]).toBe("submit")
  })

  it("leaves out an empty callbackUrl", () => {
    expect(hiddenOf(signOutPage(view({ callbackUrl: "" })))).toEqual({ csrfToken: "csrf-123" })
  })

  it("escapes the hidden values and refuses a javascript: action", () => {
    const callbackUrl = `/"><script>alert(1)</script>&x='1'`
    const page = signOutPage(view({ callbackUrl, csrfToken: `a"b`, signOutUrl: "javascript:alert(1)" }))
    expect(page).not.toMatch(/<script|javascript:/i)
    expect(hiddenOf(page)).toEqual({ csrfToken: `a"b`, callbackUrl })
    expect(one(parseDocument(page), "form").attrs["action"]).toBe("#")
  })
})
