import { html, safeUrl } from "./html.ts"
import type { Html } from "./html.ts"
import { layout } from "./layout.ts"
import type { Theme } from "./Theme.ts"

export interface ErrorView {
  readonly theme: Theme
  /** An Auth.js `?error=` code, or null. Any string may arrive here: it comes from the query. */
  readonly error: string | null
  /** With RateLimited: the seconds to wait, as the query carries it (any string; only digits are used). */
  readonly retryAfter?: string | null
  readonly signInUrl: string
}

export interface ErrorPageResult {
  readonly status: number
  readonly html: string
}

interface ErrorText {
  readonly status: number
  readonly heading: string
  readonly message: Html
}

// Auth.js's statuses and wording (lib/pages/error.tsx). Configuration is worded for the visitor as
// well as the operator, since the visitor is the one who sees it.
const known: ReadonlyMap<string, ErrorText> = new Map([
  ["Configuration", {
    status: 500,
    heading: "Server error",
    message: html`<p>There is a problem with the server configuration.</p>
<p class="muted">If you run this site, check the server logs for more information.</p>`
  }],
  ["AccessDenied", {
    status: 403,
    heading: "Access denied",
    message: html`<p>You do not have permission to sign in.</p>`
  }],
  ["Verification", {
    status: 403,
    heading: "Unable to sign in",
    message: html`<p>The sign-in link is no longer valid.</p>
<p class="muted">It may have been used already or it may have expired.</p>`
  }],
  // Beyond Auth.js: a sensitive action from a session signed in too long ago (src/domain/stepUp.ts).
  ["StepUpRequired", {
    status: 403,
    heading: "Sign in again",
    message: html`<p>For your security, this action needs a recent sign-in.</p>
<p class="muted">Sign in again, then try once more.</p>`
  }]
])

/** "in 42 seconds", "in 3 minutes", "in 2 hours": the wait a person can act on. */
export const waitText = (seconds: number): string => {
  const unit = (n: number, name: string) => `in ${n} ${name}${n === 1 ? "" : "s"}`
  if (seconds < 90) return unit(seconds, "second")
  if (seconds < 90 * 60) return unit(Math.ceil(seconds / 60), "minute")
  return unit(Math.ceil(seconds / 3600), "hour")
}

/** authfx's own code (Auth.js has no rate limits): how long to wait, when the redirect said. */
const rateLimited = (retryAfter: string | null | undefined): ErrorText => {
  const seconds = retryAfter !== null && retryAfter !== undefined && /^\d{1,7}$/.test(retryAfter) ? Number(retryAfter) : null
  return {
    status: 429,
    heading: "Too many attempts",
    message: html`<p>There have been too many sign-in attempts.</p>
<p>Please try again ${seconds === null ? "in a moment" : waitText(Math.max(1, seconds))}.</p>`
  }
}

const fallback: ErrorText = {
  status: 200,
  heading: "Error",
  message: html`<p>Something went wrong while signing in. Please try again.</p>`
}

/** The built-in error page and its status; an unknown or missing code is Auth.js's "default". */
export const errorPage = (view: ErrorView): ErrorPageResult => {
  const text = view.error === "RateLimited"
    ? rateLimited(view.retryAfter)
    : (view.error === null ? undefined : known.get(view.error)) ?? fallback
  return {
    status: text.status,
    html: layout({
      theme: view.theme,
      title: text.heading,
      body: html`<h1>${text.heading}</h1>
${text.message}
<p class="actions"><a class="button primary" href="${safeUrl(view.signInUrl) ?? "#"}">Sign in</a></p>`
    })
  }
}
