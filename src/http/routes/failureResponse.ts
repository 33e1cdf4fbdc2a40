import { Effect } from "effect"
import { HttpServerResponse } from "effect/http"
import { resolveRedirect } from "../../domain/redirectPolicy.ts"
import { htmlPage, json, redirect } from "./authResponse.ts"
import { errorPage } from "../pages/errorPage.ts"
import type { RouteFailure, RouteInput } from "./authRoute.ts"

/** Browser flows answer with redirects and pages; API routes (JSON in, JSON out) answer with statuses. */
export type FailureStyle = "browser" | "api"

const pageUrl = (input: RouteInput, configured: string | undefined, fallback: string) =>
  configured === undefined ? `${input.context.apiUrl}/${fallback}` : new URL(configured, input.context.origin).href

/** Auth.js sends sign-in problems to the sign-in page and the rest to the error page, with `?error=CODE`. */
const toSignIn = (input: RouteInput, code: string, extra: Record<string, string> = {}) => {
  const url = new URL(pageUrl(input, input.config.pages.signIn, "signin"))
  url.searchParams.set("error", code)
  for (const [name, value] of Object.entries(extra)) url.searchParams.set(name, value)
  return redirect(input.request, url.href)
}

const toErrorPage = (input: RouteInput, code: string, extra: Record<string, string> = {}) => {
  const url = new URL(pageUrl(input, input.config.pages.error, "error"))
  url.searchParams.set("error", code)
  for (const [name, value] of Object.entries(extra)) url.searchParams.set(name, value)
  return redirect(input.request, url.href)
}

const unavailable = (input: RouteInput, style: FailureStyle) => {
  const message = "The sign-in service is temporarily unavailable. Please try again in a moment."
  const response = style === "api"
    ? json({ error: "ServiceUnavailable", message }, 503)
    : htmlPage(
      errorPage({ theme: input.options.theme, error: "ServiceUnavailable", signInUrl: `${input.context.apiUrl}/signin` }).html,
      503,
      input.context.secure
    )
  return HttpServerResponse.setHeader(response, "retry-after", "5")
}

/** A browser navigating (a form post) asks for HTML first; fetch and API clients do not. */
const prefersHtml = (input: RouteInput): boolean => (input.request.headers["accept"] ?? "").startsWith("text/html")

/**
 * Every failure a route can end with, mapped to what the browser or client sees: the Auth.js codes for
 * the Auth.js flows, clear 4xx for bad input, 503 when a store is down. Details stay in the logs.
 */
export const failureResponse = (error: RouteFailure, input: RouteInput, style: FailureStyle) =>
  Effect.gen(function*() {
    switch (error._tag) {
      case "MissingCSRF":
        return style === "api" ? json({ error: "MissingCSRF" }, 403) : toSignIn(input, "MissingCSRF")
      case "CredentialsSignin":
        return toSignIn(input, "CredentialsSignin", { code: error.code })
      case "OAuthAccountNotLinked":
        return style === "api" ? json({ error: "OAuthAccountNotLinked" }, 409) : toSignIn(input, "OAuthAccountNotLinked")
      case "ProviderDenied":
        return error.error === "access_denied" ? toErrorPage(input, "AccessDenied") : toSignIn(input, "OAuthCallbackError")
      case "ProviderCheckFailed":
      case "ProviderResponseInvalid":
      case "OAuthChecksMissing":
      case "LinkFlowForeign":
        yield* Effect.logInfo("authfx: OAuth callback refused", error._tag)
        return toSignIn(input, "OAuthCallbackError")
      case "ProviderUnavailable":
        yield* Effect.logWarning("authfx: OAuth provider unavailable", error.provider, error.message)
        return toSignIn(input, "OAuthCallbackError")
      case "AccessDenied":
        return toErrorPage(input, "AccessDenied")
      case "Verification":
        return toErrorPage(input, "Verification")
      case "InvalidEmail":
        return toSignIn(input, "EmailSignin")
      case "MailerError":
        yield* Effect.logWarning("authfx: the magic-link mail could not be sent", error.message)
        return toSignIn(input, "EmailSignin")
      case "SignInRedirected":
        return redirect(input.request, yield* resolveRedirect(error.url, input.context.baseUrl))
      case "ProviderNotConfigured":
      case "UnknownProvider":
        return json({ error: "UnknownProvider", message: "No provider with this id is configured." }, 404)
      case "NotSignedIn":
        return json({ error: "NotSignedIn", message: "Sign in first." }, 401)
      case "LastSignInMethod":
        return json({ error: "LastSignInMethod", message: "This is the last way to sign in to this account." }, 409)
      case "AccountNotFound":
        return json({ error: "AccountNotFound", message: "No account of that provider is linked." }, 404)
      case "BodyTooLarge":
        return json({ error: "PayloadTooLarge" }, 413)
      case "BodyMalformed":
        return json({ error: "BadRequest", message: "The body is not valid JSON." }, 400)
      case "BadRequest":
        return json({ error: "BadRequest", message: error.message }, 400)
      case "UsersUnavailable":
      case "LedgerUnavailable":
      case "KeyStoreUnavailable":
        yield* Effect.logError("authfx: a store is unavailable", error.message)
        return unavailable(input, style)
      case "TokenTooLarge":
        yield* Effect.logError(`authfx: a session token of ${error.length} characters is too large; trim what the jwt callback adds`)
        // Through the API it is the update's data that grew the token: the client's to fix.
        return style === "api"
          ? json({ error: "PayloadTooLarge", message: "The session would be too large." }, 413)
          : toErrorPage(input, "Configuration")
      case "ClaimsNotJson":
        yield* Effect.logError("authfx: the jwt callback returned claims that are not JSON (a BigInt, a cycle?)")
        return style === "api" ? json({ error: "Configuration" }, 500) : toErrorPage(input, "Configuration")
      case "CallbackFailed":
        yield* Effect.logError(`authfx: the ${error.callback} callback failed`, error.cause)
        return style === "api" ? json({ error: "Configuration" }, 500) : toErrorPage(input, "Configuration")
      case "RateLimited": {
        // API clients read Retry-After; a browser is sent to the error page, which says when to try again.
        const seconds = String(error.retryAfterSeconds)
        return style === "api"
          ? HttpServerResponse.setHeader(
            json({ error: "RateLimited", message: `Too many requests. Try again in ${seconds} seconds.` }, 429),
            "retry-after",
            seconds
          )
          : toErrorPage(input, "RateLimited", { retryAfter: seconds })
      }
      case "StepUpRequired":
        // A form posted by a page is sent to the error page; a client calling the API gets a code to act on.
        return style === "browser" || prefersHtml(input)
          ? toErrorPage(input, "StepUpRequired")
          : json({ error: "StepUpRequired", message: "This action needs a recent sign-in. Sign in again, then retry." }, 403)
      case "SessionNotFound":
        return json({ error: "SessionNotFound", message: "No session of yours has this handle." }, 404)
      case "WebAuthnVerificationError":
        // One answer for every reason (Auth.js's code); the reason goes to the log, never to the browser.
        yield* Effect.logInfo("authfx: passkey refused", error.reason)
        return style === "api" ? json({ error: "WebAuthnVerificationError" }, 400) : toErrorPage(input, "WebAuthnVerificationError")
      case "PasskeysUnsupported":
        yield* Effect.logError(`authfx: the store cannot keep passkeys (the Auth.js adapter has no ${error.method})`)
        return style === "api" ? json({ error: "Configuration" }, 500) : toErrorPage(input, "Configuration")
      case "TwoFactorCodeInvalid":
        // The browser's code page shows the message and keeps its pending sign-in for another try.
        return style === "api"
          ? json({ error: "TwoFactorCodeInvalid", message: "The code is wrong, used, or expired." }, 400)
          : redirect(input.request, `${input.context.apiUrl}/two-factor?error=TwoFactorCodeInvalid`)
      case "TwoFactorNotEnabled":
        return style === "api"
          ? json({ error: "TwoFactorNotEnabled", message: "Two-factor sign-in is not on." }, 409)
          : toSignIn(input, "TwoFactorPendingInvalid")
      case "TwoFactorAlreadyEnabled":
        return json({ error: "TwoFactorAlreadyEnabled", message: "Turn two-factor sign-in off first." }, 409)
      case "TwoFactorPendingInvalid":
        return style === "api"
          ? json({ error: "TwoFactorPendingInvalid", message: "Start again." }, 409)
          : toSignIn(input, "TwoFactorPendingInvalid")
      case "UserNotFound":
        // The session's user was deleted while it was signed in.
        return style === "api" ? json({ error: "NotSignedIn" }, 401) : toSignIn(input, "SessionRequired")
    }
  })
