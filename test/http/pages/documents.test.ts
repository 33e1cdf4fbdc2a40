import { mkdirSync, writeFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { confirmSignInPage } from "../../../src/http/pages/confirmSignInPage.ts"
import { errorPage } from "../../../src/http/pages/errorPage.ts"
import { signInPage } from "../../../src/http/pages/signInPage.ts"
import { signOutPage } from "../../../src/http/pages/signOutPage.ts"
import type { Theme } from "../../../src/http/pages/Theme.ts"
import { verifyRequestPage } from "../../../src/http/pages/verifyRequestPage.ts"
import { all, one, parseDocument, textOf } from "./parseHtml.ts"
import type { Element } from "./parseHtml.ts"

const base = "https://app.example.com/auth"
const callbackUrl = "https://app.example.com/dashboard"
const branded: Theme = { brandColor: "#7c3aed", logo: "/logo.svg" }

const fullSignIn = (theme: Theme, error: string | null) =>
  signInPage({
    theme,
    csrfToken: "0f3a9c",
    callbackUrl,
    error,
    providers: [
      { id: "github", name: "GitHub", type: "oauth", signinUrl: `${base}/signin/github`, callbackUrl: `${base}/callback/github` },
      { id: "idp", name: "Company SSO", type: "oidc", signinUrl: `${base}/signin/idp`, callbackUrl: `${base}/callback/idp` },
      { id: "email", name: "Email", type: "email", signinUrl: `${base}/signin/email`, callbackUrl: `${base}/callback/email` },
      {
        id: "credentials",
        name: "Password",
        type: "credentials",
        signinUrl: `${base}/signin/credentials`,
        callbackUrl: `${base}/callback/credentials`,
        fields: { username: { label: "Username", type: "text" }, password: { label: "Password", type: "password" } }
      }
    ]
  })

// Each built-in page once, plus the variants worth looking at; the names become the artifact files.
const pages: ReadonlyArray<readonly [string, string]> = [
  ["signin", fullSignIn({}, null)],
  ["signin-error", fullSignIn({}, "OAuthAccountNotLinked")],
  ["signin-dark-branded", fullSignIn({ ...branded, colorScheme: "dark" }, "CredentialsSignin")],
  ["signin-oauth-only", signInPage({
    theme: branded,
    csrfToken: "0f3a9c",
    callbackUrl,
    error: null,
    providers: [{ id: "idp", name: "Company SSO", type: "oidc", signinUrl: `${base}/signin/idp`, callbackUrl: `${base}/callback/idp` }]
  })],
  ["signout", signOutPage({ theme: {}, csrfToken: "0f3a9c", callbackUrl, signOutUrl: `${base}/signout` })],
  ["verify-request", verifyRequestPage({ theme: {}, url: "https://app.example.com" })],
  ["verify-request-email", verifyRequestPage({ theme: branded, url: "https://app.example.com", email: "ada@example.com" })],
  ["confirm-signin", confirmSignInPage({
    theme: branded,
    email: "ada@example.com",
    url: base,
    action: `${base}/callback/email`,
    token: "tok",
    callbackUrl,
    csrfToken: "0f3a9c"
  })],
  ...(["Configuration", "AccessDenied", "Verification", "default"] as const).map(
    (code) => [`error-${code}`, errorPage({ theme: {}, error: code, signInUrl: `${base}/signin` }).html] as const
  )
]

const attr = (e: Element, name: string) => e.attrs[name]

describe.each(pages)("the %s page", (name, page) => {
  const doc = parseDocument(page)

  it("is a well-formed English document with a title, a viewport and noindex", () => {
    expect(page.startsWith("<!doctype html>\n<html lang=\"en\">")).toBe(true)
    expect(attr(one(doc, "html"), "lang")).toBe("en")
    expect(textOf(one(doc, "title"))).not.toBe("")
    const metas = all(doc, "meta")
    expect(metas.some((m) => attr(m, "charset") === "utf-8")).toBe(true)
    expect(metas.find((m) => attr(m, "name") === "viewport")?.attrs["content"]).toBe("width=device-width, initial-scale=1")
    expect(metas.find((m) => attr(m, "name") === "robots")?.attrs["content"]).toBe("noindex")
  })

  it("has one main landmark holding the one h1", () => {
    const main = one(doc, "main")
    one(doc, "h1")
    one(main, "h1")
  })

  it("runs no script, loads no stylesheet or font, and has no style attributes (a hashed CSP allows it)", () => {
    expect(all(doc, "script")).toEqual([])
    // The one link is the empty icon (data:), which keeps browsers from asking the origin for /favicon.ico.
    expect(all(doc, "link").map((l) => [attr(l, "rel"), attr(l, "href")])).toEqual([["icon", "data:,"]])
    expect(all(doc, "iframe")).toEqual([])
    expect(all(doc, "*").filter((e) => "style" in e.attrs || Object.keys(e.attrs).some((a) => a.startsWith("on")))).toEqual([])
    const style = one(doc, "style")
    expect(String(style.children[0])).not.toMatch(/url\(|@import/)
    for (const img of all(doc, "img")) expect(attr(img, "src")).toMatch(/^(\/[^/\\]|https:)/)
  })

  it("labels every visible input, with unique ids", () => {
    const ids = all(doc, "*").flatMap((e) => (e.attrs["id"] === undefined ? [] : [e.attrs["id"]]))
    expect(new Set(ids).size).toBe(ids.length)
    const labels = all(doc, "label")
    for (const input of all(doc, "input").filter((i) => attr(i, "type") !== "hidden")) {
      expect(labels.filter((l) => attr(l, "for") === attr(input, "id") && textOf(l) !== "")).toHaveLength(1)
    }
    for (const label of labels) expect(ids).toContain(attr(label, "for"))
  })

  it("posts every form, with the CSRF token, to an http(s) URL", () => {
    for (const form of all(doc, "form")) {
      expect(attr(form, "method")).toBe("post")
      expect(attr(form, "action")).toMatch(/^https?:\/\//)
      expect(all(form, "input").some((i) => attr(i, "name") === "csrfToken" && attr(i, "type") === "hidden")).toBe(true)
      expect(all(form, "button").filter((b) => attr(b, "type") === "submit")).toHaveLength(1)
    }
  })

  it("is written to test-artifacts/pages for a look", () => {
    const dir = new URL("../../../test-artifacts/pages/", import.meta.url)
    mkdirSync(dir, { recursive: true })
    writeFileSync(new URL(`${name}.html`, dir), page)
  })
})
