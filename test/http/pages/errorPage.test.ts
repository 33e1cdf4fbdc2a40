import { describe, expect, it } from "vitest"
import { errorPage } from "../../../src/http/pages/errorPage.ts"
import { one, parseDocument, textOf } from "./parseHtml.ts"

const signInUrl = "https://app.example.com/auth/signin"

const render = (error: string | null) => {
  const { status, html } = errorPage({ theme: {}, error, signInUrl })
  const doc = parseDocument(html)
  return { status, html, heading: textOf(one(doc, "h1")), text: textOf(one(doc, "main")), link: one(doc, "a") }
}

describe("errorPage", () => {
  it.each([
    ["Configuration", 500, "Server error", "There is a problem with the server configuration."],
    ["AccessDenied", 403, "Access denied", "You do not have permission to sign in."],
    ["Verification", 403, "Unable to sign in", "The sign-in link is no longer valid. It may have been used already or it may have expired."]
  ])("%s → %i %s", (code, status, heading, message) => {
    const page = render(code)
    expect(page.status).toBe(status)
    expect(page.heading).toBe(heading)
    expect(page.text).toContain(message)
  })

  it.each([null, "", "CredentialsSignin", "NoSuchCode", "constructor", "__proto__", "configuration"])(
    "%j is the default: 200 and a generic message",
    (code) => {
      const page = render(code)
      expect(page.status).toBe(200)
      expect(page.heading).toBe("Error")
      expect(page.text).toContain("Something went wrong while signing in. Please try again.")
    }
  )

  it("links back to sign in", () => {
    for (const code of ["Configuration", "AccessDenied", "Verification", "Other"]) {
      const { link } = render(code)
      expect(link.attrs["href"]).toBe(signInUrl)
      expect(textOf(link)).toBe("Sign in")
    }
  })

  it("never echoes the code and refuses a javascript: sign-in URL", () => {
    const error = `<script>alert("x")</script>`
    const { html, status } = errorPage({ theme: {}, error, signInUrl: "javascript:alert(1)" })
    expect(status).toBe(200)
    expect(html).not.toMatch(/script|alert\(/)
    expect(one(parseDocument(html), "a").attrs["href"]).toBe("#")
  })

  it("titles the document with the heading", () => {
    const { html } = errorPage({ theme: {}, error: "AccessDenied", signInUrl })
    expect(textOf(one(parseDocument(html), "title"))).toBe("Access denied")
  })
})
