import { describe, expect, it } from "vitest"
import { verifyRequestPage } from "../../../src/http/pages/verifyRequestPage.ts"
import { all, one, parseDocument, textOf } from "./parseHtml.ts"

describe("verifyRequestPage", () => {
  it("says a link was sent and names the site's host, linking to its origin", () => {
    const doc = parseDocument(verifyRequestPage({ theme: {}, url: "https://app.example.com:8443/auth" }))
    expect(textOf(one(doc, "h1"))).toBe("Check your email")
    expect(textOf(one(doc, "main"))).toContain("A sign-in link has been sent to your email address.")
    const link = one(doc, "a")
    expect(link.attrs["href"]).toBe("https://app.example.com:8443")
    expect(textOf(link)).toBe("app.example.com:8443")
  })

  it("shows no address unless one is given", () => {
    for (const email of [undefined, ""]) {
      const doc = parseDocument(verifyRequestPage({ theme: {}, url: "https://app.example.com", ...(email === undefined ? {} : { email }) }))
      expect(all(doc, "strong")).toEqual([])
      expect(textOf(one(doc, "main"))).not.toContain("@")
    }
  })

  it("shows a given address, escaped", () => {
    const email = `"<script>alert(1)</script>"@example.com`
    const page = verifyRequestPage({ theme: {}, url: "https://app.example.com", email })
    expect(page).not.toContain("<script")
    expect(textOf(one(parseDocument(page), "strong"))).toBe(email)
  })

  it.each(["javascript:alert(1)", "not a url", "data:text/html,hi"])("links nowhere for the URL %j", (url) => {
    const doc = parseDocument(verifyRequestPage({ theme: {}, url }))
    expect(all(doc, "a")).toEqual([])
    expect(textOf(one(doc, "main"))).toContain("Open the link in that email to sign in. You can close this page.")
  })
})
