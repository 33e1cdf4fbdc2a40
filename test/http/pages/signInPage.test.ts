import { describe, expect, it } from "vitest"
import { genericSignInMessage, signInPage } from "../../../src/http/pages/signInPage.ts"
import type { SignInProviderView, SignInView } from "../../../src/http/pages/signInPage.ts"
import { all, focusable, one, parseDocument, textOf } from "./parseHtml.ts"
import type { Element } from "./parseHtml.ts"

const base = "https://app.example.com/auth"

const oauth = (id: string, name: string, type: "oauth" | "oidc" = "oidc"): SignInProviderView => ({
  id,
  name,
  type,
  signinUrl: `${base}/signin/${id}`,
  callbackUrl: `${base}/callback/${id}`
})

const email: SignInProviderView = {
  id: "email",
  name: "Email",
  type: "email",
  signinUrl: `${base}/signin/email`,
  callbackUrl: `${base}/callback/email`
}

const credentials: SignInProviderView = {
  id: "credentials",
  name: "Password",
  type: "credentials",
  signinUrl: `${base}/signin/credentials`,
  callbackUrl: `${base}/callback/credentials`,
  fields: {
    username: { label: "Username", type: "text" },
    password: { label: "Password", type: "password" }
  }
}

const view = (overrides: Partial<SignInView> = {}): SignInView => ({
  theme: {},
  csrfToken: "csrf-123",
  callbackUrl: "https://app.example.com/dashboard",
  error: null,
  providers: [oauth("github", "GitHub", "oauth"), oauth("idp", "Company SSO"), email, credentials],
  ...overrides
})

const render = (v: SignInView): Element => parseDocument(signInPage(v))

const hidden = (form: Element): Record<string, string> =>
  Object.fromEntries(
    all(form, "input").filter((i) => i.attrs["type"] === "hidden").map((i) => [i.attrs["name"]!, i.attrs["value"]!])
  )

const fieldNames = (form: Element): Array<string> =>
  all(form, "input").filter((i) => i.attrs["type"] !== "hidden").map((i) => i.attrs["name"]!)

describe("signInPage forms", () => {
  const doc = render(view())
  const forms = all(doc, "form")

  it("has one form per provider, in the given order, each posting with the CSRF token and callbackUrl", () => {
    expect(forms.map((f) => [f.attrs["method"], f.attrs["action"]])).toEqual([
      ["post", `${base}/signin/github`],
      ["post", `${base}/signin/idp`],
      ["post", `${base}/signin/email`],
      ["post", `${base}/callback/credentials`]
    ])
    for (const form of forms) {
      expect(hidden(form)).toEqual({ csrfToken: "csrf-123", callbackUrl: "https://app.example.com/dashboard" })
    }
    expect(all(doc, "button").map(textOf)).toEqual([
      "Sign in with GitHub",
      "Sign in with Company SSO",
      "Sign in with Email",
      "Sign in with Password"
    ])
  })

  it("OAuth forms carry nothing but the hidden fields and a submit button", () => {
    for (const form of forms.slice(0, 2)) {
      expect(fieldNames(form)).toEqual([])
      expect(one(form, "button").attrs["type"]).toBe("submit")
    }
  })

  it("the e-mail form asks for a required address with e-mail autocompletion", () => {
    const input = all(forms[2]!, "input").find((i) => i.attrs["type"] !== "hidden")!
    expect(input.attrs).toMatchObject({ name: "email", type: "email", autocomplete: "email" })
    expect(input.attrs).toHaveProperty("required")
    expect(input.attrs).not.toHaveProperty("value")
    expect(fieldNames(forms[2]!)).toEqual(["email"])
  })

  it("the credentials form has each field in order, with the autocompletion password managers expect", () => {
    const form = forms[3]!
    expect(fieldNames(form)).toEqual(["username", "password"])
    const [username, password] = all(form, "input").filter((i) => i.attrs["type"] !== "hidden")
    expect(username!.attrs).toMatchObject({ type: "text", autocomplete: "username" })
    expect(password!.attrs).toMatchObject({ type: "password", autocomplete: "current-password" })
  })

  it("labels every visible input with a label whose for matches the input's id", () => {
    const labels = all(doc, "label")
    const inputs = all(doc, "input").filter((i) => i.attrs["type"] !== "hidden")
    expect(inputs).toHaveLength(3)
    for (const input of inputs) {
      const id = input.attrs["id"]!
      expect(id).toMatch(/^[A-Za-z][\w-]*$/)
      expect(labels.filter((l) => l.attrs["for"] === id)).toHaveLength(1)
    }
    expect(labels.map(textOf)).toEqual(["Email", "Username", "Password"])
  })

  it("puts an 'or' separator between groups, not between OAuth buttons", () => {
    const separators = (providers: ReadonlyArray<SignInProviderView>) =>
      all(render(view({ providers })), "p").filter((p) => p.attrs["class"] === "separator").length
    expect(separators([oauth("a", "A"), oauth("b", "B"), email, credentials])).toBe(2)
    expect(separators([oauth("a", "A"), oauth("b", "B")])).toBe(0)
    expect(separators([email])).toBe(0)
    expect(separators([email, oauth("a", "A")])).toBe(1)
    expect(separators([oauth("a", "A"), email, oauth("b", "B")])).toBe(2)
    expect(separators([email, credentials])).toBe(1)
  })

  it("keeps focus order equal to visual order: the first button comes first, no tabindex or autofocus", () => {
    const order = focusable(doc).map((e) => (e.tag === "button" ? textOf(e) : e.attrs["name"]))
    expect(order).toEqual([
      "Sign in with GitHub",
      "Sign in with Company SSO",
      "email",
      "Sign in with Email",
      "username",
      "password",
      "Sign in with Password"
    ])
    expect(all(doc, "*").filter((e) => "tabindex" in e.attrs || "autofocus" in e.attrs)).toEqual([])
  })

  it("lists providers in the order given, whatever it is", () => {
    const providers = [credentials, oauth("z", "Zed"), email, oauth("a", "Ay")]
    expect(all(render(view({ providers })), "button").map(textOf)).toEqual([
      "Sign in with Password",
      "Sign in with Zed",
      "Sign in with Email",
      "Sign in with Ay"
    ])
  })
})

describe("signInPage variants", () => {
  it("leaves out an empty callbackUrl so the server falls back to its own", () => {
    for (const form of all(render(view({ callbackUrl: "" })), "form")) {
      expect(hidden(form)).toEqual({ csrfToken: "csrf-123" })
    }
  })

  it("prefills the e-mail address", () => {
    const doc = render(view({ emailValue: "ada@example.com" }))
    expect(all(doc, "input").find((i) => i.attrs["name"] === "email")!.attrs["value"]).toBe("ada@example.com")
  })

  it("marks an e-mail field paired with a password as the username, and a lone one as e-mail", () => {
    const withFields = (fields: NonNullable<SignInProviderView["fields"]>) =>
      all(render(view({ providers: [{ ...credentials, fields }] })), "input")
        .filter((i) => i.attrs["type"] !== "hidden")
        .map((i) => i.attrs["autocomplete"] ?? null)
    expect(withFields({ email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } }))
      .toEqual(["username", "current-password"])
    expect(withFields({ email: { label: "Email", type: "email" }, code: { label: "Code", type: "text" } }))
      .toEqual(["email", null])
    expect(withFields({ user: { label: "User", type: "text" }, email: { label: "Email", type: "email" } }))
      .toEqual(["username", "email"])
  })

  it("skips a credentials provider without fields, as Auth.js does", () => {
    const { fields: _, ...bare } = credentials
    expect(all(render(view({ providers: [bare, email] })), "form")).toHaveLength(1)
  })

  it("says so when no provider can be shown", () => {
    const doc = render(view({ providers: [] }))
    expect(all(doc, "form")).toEqual([])
    expect(textOf(one(doc, "main"))).toContain("No way of signing in is configured.")
  })

  it("refuses an action URL that is not http(s) or a path", () => {
    const doc = render(view({ providers: [{ ...oauth("x", "X"), signinUrl: "javascript:alert(1)" }] }))
    expect(one(doc, "form").attrs["action"]).toBe("#")
  })

  it("gives each credentials field a unique id even when names would collide as ids", () => {
    const odd: SignInProviderView = {
      ...credentials,
      id: "my creds",
      fields: { "a b": { label: "A", type: "text" }, "a-b": { label: "B", type: "text" } }
    }
    const doc = render(view({ providers: [odd, { ...odd }] }))
    const ids = all(doc, "input").flatMap((i) => (i.attrs["id"] === undefined ? [] : [i.attrs["id"]]))
    expect(new Set(ids).size).toBe(4)
    expect(ids.every((id) => !/\s/.test(id))).toBe(true)
  })
})

describe("signInPage errors", () => {
  const alertOf = (error: string | null): string | null => {
    const alerts = all(render(view({ error })), "*").filter((e) => e.attrs["role"] === "alert")
    expect(alerts.length).toBeLessThanOrEqual(1)
    return alerts[0] === undefined ? null : textOf(alerts[0])
  }

  it.each([
    ["OAuthAccountNotLinked", "To confirm your identity, sign in with the same account you used originally."],
    ["CredentialsSignin", "Sign in failed. Check the details you provided are correct."],
    ["MissingCSRF", "The sign-in form had expired. Please try again."],
    ["OAuthCallbackError", "Signing in with that account did not work. Try again, or sign in with a different account."],
    ["EmailSignin", "The e-mail could not be sent. Check the address and try again."],
    ["Verification", "The sign-in link is no longer valid. It may have been used already or it may have expired."],
    ["AccessDenied", "You do not have permission to sign in."],
    ["Configuration", "There is a problem with the server configuration. Please try again later."],
    ["SessionRequired", "Please sign in to access this page."]
  ])("%s shows its message in an alert", (code, message) => {
    expect(alertOf(code)).toBe(message)
  })

  it.each(["NoSuchCode", "constructor", "__proto__", "toString", "credentialssignin"])(
    "the unknown code %s gets the generic message and is not echoed",
    (code) => {
      expect(alertOf(code)).toBe(genericSignInMessage)
      expect(signInPage(view({ error: code }))).not.toContain(code)
    }
  )

  it("shows no alert without an error", () => {
    expect(alertOf(null)).toBeNull()
    expect(alertOf("")).toBeNull()
  })

  it("puts the alert after the heading and before the first form", () => {
    const order = all(render(view({ error: "CredentialsSignin" })), "*")
      .filter((e) => e.tag === "h1" || e.tag === "form" || e.attrs["role"] === "alert")
      .map((e) => e.attrs["role"] ?? e.tag)
    expect(order.slice(0, 3)).toEqual(["h1", "alert", "form"])
  })
})

describe("signInPage escaping", () => {
  const evilName = `<script>alert("name")</script> & 'Co'`
  const evilCallback = `https://app.example.com/"><script>alert(1)</script>?a=1&b='2'`
  const evilError = `<script>alert("error")</script>&"'`
  const evilEmail = `"><img src=x onerror=alert(1)>@example.com`
  const page = signInPage(view({
    error: evilError,
    emailValue: evilEmail,
    csrfToken: `"&<>'`,
    callbackUrl: evilCallback,
    providers: [
      { ...oauth("evil", evilName), signinUrl: `${base}/signin/evil?x="><script>` },
      email,
      { ...credentials, name: evilName, fields: { [`user"name`]: { label: evilName, type: "text" } } }
    ]
  }))
  const doc = parseDocument(page)

  it("creates no element from any value", () => {
    expect(all(doc, "script")).toEqual([])
    expect(all(doc, "img")).toEqual([])
    expect(page).not.toMatch(/<script|<img/i)
  })

  it("escapes text: the provider name reads as written", () => {
    expect(all(doc, "button").map(textOf)).toEqual([
      `Sign in with ${evilName}`,
      "Sign in with Email",
      `Sign in with ${evilName}`
    ])
    expect(page).toContain("&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt; &amp; &#39;Co&#39;")
    expect(all(doc, "label").map(textOf)).toContain(evilName)
  })

  it("escapes attributes: hidden values, the prefilled e-mail and field names round-trip exactly", () => {
    for (const form of all(doc, "form")) {
      expect(hidden(form)).toEqual({ csrfToken: `"&<>'`, callbackUrl: evilCallback })
    }
    expect(all(doc, "input").find((i) => i.attrs["name"] === "email")!.attrs["value"]).toBe(evilEmail)
    expect(fieldNames(all(doc, "form")[2]!)).toEqual([`user"name`])
    expect(all(doc, "form")[0]!.attrs["action"]).toBe(`${base}/signin/evil?x=%22%3E%3Cscript%3E`)
  })

  it("never shows the error code itself", () => {
    expect(textOf(doc)).not.toContain("alert(\"error\")")
    expect(page).not.toContain("error&quot;")
  })
})
