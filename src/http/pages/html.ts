/**
 * A tagged template that escapes every interpolated value, so a page can only put unescaped markup
 * on the wire by saying so with `raw`. The escaping covers text and double-quoted attribute values;
 * it is not safe inside `<script>`, `<style>` or unquoted attributes, so templates never interpolate
 * there (the builder refuses an interpolation that directly follows `=` inside a tag).
 */

/** Markup that is already safe to send. Only `html` and `raw` make one. */
class Html {
  readonly value: string
  constructor(value: string) {
    this.value = value
  }
  toString(): string {
    return this.value
  }
}

export type { Html }

/** `false`, `null` and `undefined` render nothing, so `cond && html\`…\`` reads naturally. */
export type Interpolation = Html | string | number | false | null | undefined | ReadonlyArray<Interpolation>

/**
 * Escapes `&`, `<`, `>`, `"` and `'`: enough for text and for quoted attribute values of either
 * kind, which is why one function serves both contexts.
 */
export const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => {
    switch (c) {
      case "&":
        return "&amp;"
      case "<":
        return "&lt;"
      case ">":
        return "&gt;"
      case "\"":
        return "&quot;"
      default:
        return "&#39;"
    }
  })

const render = (value: Interpolation): string => {
  if (value instanceof Html) return value.value
  if (value === false || value === null || value === undefined) return ""
  if (typeof value === "string") return escapeHtml(value)
  if (typeof value === "number") return escapeHtml(String(value))
  return value.map(render).join("")
}

// Whether the template's own text leaves us inside a tag: the last `<` or `>` decides, and a chunk
// with neither keeps the state of the one before.
const insideTagAfter = (chunk: string, before: boolean): boolean => {
  const open = chunk.lastIndexOf("<")
  const close = chunk.lastIndexOf(">")
  return open === close ? before : open > close
}

export const html = (strings: TemplateStringsArray, ...values: ReadonlyArray<Interpolation>): Html => {
  let out = strings[0] ?? ""
  let insideTag = false
  for (let i = 0; i < values.length; i++) {
    const chunk = strings[i] ?? ""
    insideTag = insideTagAfter(chunk, insideTag)
    // Right after `=` inside a tag is an unquoted attribute value, where a space in the value starts
    // a new attribute that escaping cannot stop.
    if (insideTag && /=\s*$/.test(chunk)) {
      throw new Error(`html: interpolation ${i} is an unquoted attribute value; quote it`)
    }
    out += render(values[i]) + (strings[i + 1] ?? "")
  }
  return new Html(out)
}

/** Marks a trusted fragment (our own constant markup or CSS built from sanitised values) as safe. */
export const raw = (trusted: string): Html => new Html(trusted)

/**
 * A URL for `href`, `action` or `src`: an absolute http(s) URL or a path on this origin, else null.
 * Escaping alone does not make a URL attribute safe (`javascript:` needs no markup characters), and
 * browsers strip tabs and newlines and read `\` as `/`, so anything holding those is refused too.
 */
export const safeUrl = (value: string): string | null => {
  if (/[\u0000-\u0020\u007f\\]/.test(value)) return null
  if (value.startsWith("/")) return value.startsWith("//") ? null : value
  if (!URL.canParse(value)) return null
  const url = new URL(value)
  return url.protocol === "https:" || url.protocol === "http:" ? url.href : null
}
