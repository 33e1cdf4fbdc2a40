/**
 * next-auth 4's browser client posts its errors to `{basePath}/_log` (form fields `level`, `code`, and the
 * error's message, stack and URL). What of that reaches our log, and how often.
 *
 * Anyone can post there, so nothing is logged that a poster chooses freely: a message or a stack can carry
 * whatever a page held (an address, a token in a URL), and a line break would forge log lines. Only the level,
 * a code of capitals and underscores (`CLIENT_FETCH_ERROR`) and the API endpoint that failed, when it is one of
 * ours, are kept; and a flood costs at most `linesPerWindow` lines a minute, the rest counted.
 */

export interface ClientReport {
  readonly level: "error" | "warn" | "debug"
  /** `CLIENT_FETCH_ERROR`, `CLIENT_SESSION_ERROR`, …, or `UNKNOWN` when the code is not one. */
  readonly code: string
  /** The endpoint the client was calling (`/auth/session`), when it names one of ours; else null. */
  readonly endpoint: string | null
}

const levels: ReadonlyArray<ClientReport["level"]> = ["error", "warn", "debug"]
const codePattern = /^[A-Z][A-Z0-9_]{0,63}$/
// The endpoints next-auth 4's client reads with `fetchData`, the only calls it reports with a URL.
const endpointPattern = /^\/(csrf|providers|session)$/

/** The loggable part of a report, or null when it is not one (no level we know). */
export const clientReport = (fields: Readonly<Record<string, string>>, basePath: string): ClientReport | null => {
  const level = levels.find((known) => known === fields["level"])
  if (level === undefined) return null
  const code = fields["code"] ?? ""
  const url = fields["url"] ?? ""
  const endpoint = url.startsWith(`${basePath}/`) && endpointPattern.test(url.slice(basePath.length)) ? url : null
  return { level, code: codePattern.test(code) ? code : "UNKNOWN", endpoint }
}

/** The log budget: lines logged and reports dropped in the current window, which began at `start` (ms). */
export interface LogWindow {
  readonly start: number
  readonly logged: number
  readonly dropped: number
}

export const linesPerWindow = 10
export const windowMillis = 60_000

export const emptyWindow: LogWindow = { start: Number.NEGATIVE_INFINITY, logged: 0, dropped: 0 }

/**
 * Whether a report arriving at `now` is logged; a window's first line also says how many the window before
 * dropped. A clock that goes back starts a new window rather than stalling the budget.
 */
export const admitReport = (window: LogWindow, now: number): {
  readonly window: LogWindow
  readonly log: boolean
  readonly droppedBefore: number
} => {
  if (now >= window.start + windowMillis || now < window.start) {
    return { window: { start: now, logged: 1, dropped: 0 }, log: true, droppedBefore: window.dropped }
  }
  return window.logged < linesPerWindow
    ? { window: { ...window, logged: window.logged + 1 }, log: true, droppedBefore: 0 }
    : { window: { ...window, dropped: window.dropped + 1 }, log: false, droppedBefore: 0 }
}
