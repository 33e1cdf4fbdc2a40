/**
 * Browsers drop cookies past ~4 KB, and a JWT session with a few claims from callbacks gets there. Like
 * Auth.js (same size, same names), a long value is split into `<name>.0`, `<name>.1`, …
 */
export const chunkSize = 4096 - 160

const chunkName = /^(.+)\.(\d{1,3})$/

/** The session token the browser sent, reassembled from its chunks in order; null when there is none. */
export const readChunked = (cookies: Readonly<Record<string, string>>, name: string): string | null => {
  const whole = cookies[name]
  const parts: Array<{ readonly index: number; readonly value: string }> = []
  for (const cookie in cookies) {
    const match = chunkName.exec(cookie)
    if (match !== null && match[1] === name) parts.push({ index: Number(match[2]), value: cookies[cookie]! })
  }
  if (parts.length === 0) return whole !== undefined && whole !== "" ? whole : null
  parts.sort((a, b) => a.index - b.index)
  // A gap means a chunk was lost: the token is incomplete, so there is none.
  if (parts.some((part, i) => part.index !== i)) return null
  return parts.map((part) => part.value).join("")
}

/** The cookie names a browser holds for this session now, so a rewrite can expire the ones not reused. */
export const presentChunks = (cookies: Readonly<Record<string, string>>, name: string): ReadonlyArray<string> =>
  Object.keys(cookies).filter((cookie) => cookie === name || chunkName.exec(cookie)?.[1] === name)

/** The cookies to set for `value`: the plain name when it fits, else numbered chunks. */
export const splitChunks = (name: string, value: string): ReadonlyArray<readonly [string, string]> => {
  if (value.length <= chunkSize) return [[name, value]]
  const chunks: Array<readonly [string, string]> = []
  for (let i = 0; i * chunkSize < value.length; i++) chunks.push([`${name}.${i}`, value.slice(i * chunkSize, (i + 1) * chunkSize)])
  return chunks
}
