import { describe, expect, it } from "vitest"
import { escapeHtml, html, raw, safeUrl } from "../../../src/http/pages/html.ts"

const nasty = `<script>alert("x") & 'y'</script>`
const escaped = "&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;"

describe("html", () => {
  it("escapes interpolated text", () => {
    expect(html`<p>${nasty}</p>`.value).toBe(`<p>${escaped}</p>`)
  })

  it("escapes interpolated attribute values, double- and single-quoted", () => {
    expect(html`<a title="${"\" onmouseover=\"x"}">`.value).toBe("<a title=\"&quot; onmouseover=&quot;x\">")
    expect(html`<a title='${"' onmouseover='x"}'>`.value).toBe("<a title='&#39; onmouseover=&#39;x'>")
  })

  it("escapes & once, including in something that looks like an entity", () => {
    expect(html`${"&amp; &lt;"}`.value).toBe("&amp;amp; &amp;lt;")
  })

  it("passes raw and nested html through without escaping them again", () => {
    const inner = html`<b>${"<i>"}</b>`
    expect(html`<p>${inner}${raw("<br>")}</p>`.value).toBe("<p><b>&lt;i&gt;</b><br></p>")
  })

  it("joins arrays, renders numbers, and renders nothing for false, null and undefined", () => {
    expect(html`${["<a>", html`<b></b>`, ["c", 1]]}|${false}|${null}|${undefined}|${0}`.value).toBe(
      "&lt;a&gt;<b></b>c1||||0"
    )
  })

  it("refuses an interpolation in an unquoted attribute value", () => {
    expect(() => html`<a href=${"x onclick=alert(1)"}>`).toThrow(/unquoted/)
    expect(() => html`<a href= ${"x"}>`).toThrow(/unquoted/)
    expect(() => html`<input id="${"a"}" value=${"x"}>`).toThrow(/unquoted/)
  })

  it("allows `=` before an interpolation in text", () => {
    expect(html`<p>1 + 1 = ${"2"}</p>`.value).toBe("<p>1 + 1 = 2</p>")
    expect(html`<p>${"a"} = ${"b"}</p>`.value).toBe("<p>a = b</p>")
  })

  it("escapeHtml leaves plain text alone", () => {
    expect(escapeHtml("Sign in with GitHub")).toBe("Sign in with GitHub")
  })
})

describe("safeUrl", () => {
  it.each([
    ["/auth/signin/github", "/auth/signin/github"],
    ["/auth/callback/credentials?x=1#y", "/auth/callback/credentials?x=1#y"],
    ["https://app.example.com/auth/signin/github", "https://app.example.com/auth/signin/github"],
    ["http://localhost:3000/auth/signout", "http://localhost:3000/auth/signout"],
    ["HTTPS://APP.EXAMPLE.COM/a", "https://app.example.com/a"]
  ])("keeps %s", (input, expected) => {
    expect(safeUrl(input)).toBe(expected)
  })

  it.each([
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "java\tscript:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example/x",
    "/\\evil.example/x",
    "/\t/evil.example/x",
    "\\\\evil.example",
    "ftp://example.com/",
    "relative/path",
    "",
    "https://[::1"
  ])("refuses %j", (input) => {
    expect(safeUrl(input)).toBeNull()
  })
})
