/**
 * A strict little HTML parser for our own pages: it builds a tree and throws on anything a correct
 * page never holds (a stray `<`, a duplicate attribute, a mismatched or unclosed tag), so a value that
 * escaped its escaping shows up as a parse error or as an element the test did not expect.
 */

export interface Element {
  readonly tag: string
  readonly attrs: Readonly<Record<string, string>>
  readonly children: Array<Element | string>
}

const voidTags = new Set(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"])
const rawTextTags = new Set(["script", "style", "title", "textarea"])

export const decodeEntities = (text: string): string =>
  text.replace(/&(?:#(\d+)|#x([0-9a-fA-F]+)|(amp|lt|gt|quot|apos|nbsp));/g, (_, dec, hex, named) => {
    if (dec !== undefined) return String.fromCodePoint(Number(dec))
    if (hex !== undefined) return String.fromCodePoint(parseInt(hex, 16))
    return ({ amp: "&", lt: "<", gt: ">", quot: "\"", apos: "'", nbsp: "\u00a0" } as Record<string, string>)[named]!
  })

const startTag = /^<([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*\/?>/
const attribute = /\s+([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g
const endTag = /^<\/([a-zA-Z][a-zA-Z0-9-]*)\s*>/

export const parseDocument = (source: string): Element => {
  const doctype = /^<!doctype html>/i.exec(source)
  if (doctype === null) throw new Error("no doctype")
  const root: Element = { tag: "#document", attrs: {}, children: [] }
  const stack: Array<Element> = [root]
  const top = (): Element => stack[stack.length - 1]!
  let pos = doctype[0].length
  while (pos < source.length) {
    const rest = source.slice(pos)
    if (rest.startsWith("<!--")) {
      const end = rest.indexOf("-->")
      if (end < 0) throw new Error("unclosed comment")
      pos += end + 3
      continue
    }
    const close = endTag.exec(rest)
    if (close !== null) {
      const tag = close[1]!.toLowerCase()
      const open = stack.pop()
      if (open === undefined || open.tag !== tag) throw new Error(`</${tag}> closes <${open?.tag}> at ${pos}`)
      pos += close[0].length
      continue
    }
    const start = startTag.exec(rest)
    if (start !== null) {
      const tag = start[1]!.toLowerCase()
      const attrs: Record<string, string> = {}
      for (const m of (start[2] ?? "").matchAll(attribute)) {
        const name = m[1]!.toLowerCase()
        if (Object.hasOwn(attrs, name)) throw new Error(`duplicate attribute ${name} on <${tag}>`)
        attrs[name] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? "")
      }
      const element: Element = { tag, attrs, children: [] }
      top().children.push(element)
      pos += start[0].length
      if (voidTags.has(tag)) continue
      if (rawTextTags.has(tag)) {
        const end = rest.slice(start[0].length).toLowerCase().indexOf(`</${tag}`)
        if (end < 0) throw new Error(`unclosed <${tag}>`)
        const content = source.slice(pos, pos + end)
        element.children.push(tag === "title" || tag === "textarea" ? decodeEntities(content) : content)
        pos += end
      }
      stack.push(element)
      continue
    }
    if (rest.startsWith("<")) throw new Error(`stray "<" at ${pos}: ${rest.slice(0, 40)}`)
    const next = rest.indexOf("<")
    const text = next < 0 ? rest : rest.slice(0, next)
    top().children.push(decodeEntities(text))
    pos += text.length
  }
  if (stack.length !== 1) throw new Error(`unclosed <${top().tag}>`)
  return root
}

/** Every element named `tag` under `element`, in document order (`*` for all). */
export const all = (element: Element, tag: string): Array<Element> =>
  element.children.flatMap((child) =>
    typeof child === "string" ? [] : [...(tag === "*" || child.tag === tag ? [child] : []), ...all(child, tag)]
  )

export const one = (element: Element, tag: string): Element => {
  const found = all(element, tag)
  if (found.length !== 1) throw new Error(`expected one <${tag}>, found ${found.length}`)
  return found[0]!
}

/** The text content, with whitespace collapsed as a reader would see it. */
export const textOf = (element: Element): string =>
  element.children.map((child) => (typeof child === "string" ? child : textOf(child))).join("").replace(/\s+/g, " ").trim()

/** Elements that take keyboard focus without a tabindex, in tab order (the pages set no tabindex). */
export const focusable = (element: Element): Array<Element> =>
  all(element, "*").filter((e) =>
    e.tag === "button" || (e.tag === "a" && e.attrs["href"] !== undefined) ||
    (e.tag === "input" && e.attrs["type"] !== "hidden") || e.tag === "select" || e.tag === "textarea"
  )
