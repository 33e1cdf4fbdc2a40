import { Effect, Option, Redacted } from "effect"
import { HttpServerResponse } from "effect/http"
import type { ProviderId } from "../../domain/Account.ts"
import { normalizeEmail } from "../../domain/normalizeEmail.ts"
import { Verification } from "../../domain/SignInError.ts"
import { htmlPage } from "./authResponse.ts"
import { callbackTarget } from "../request/callbackTarget.ts"
import { issueCsrfToken, requireCsrf } from "../csrf/csrfGuard.ts"
import { confirmSignInPage } from "../pages/confirmSignInPage.ts"
import { readBody } from "../request/requestBody.ts"
import type { RouteInput } from "./authRoute.ts"

/** A magic link's token and address, as the link or the confirming form carries them; null when unusable. */
const linkFields = (token: string | null | undefined, email: string | null | undefined) =>
  token === null || token === undefined || email === null || email === undefined || token.length > 256
    ? null
    : { token, email }

/**
 * `GET /callback/:provider` of an e-mail provider with `confirmByPost`: the page that names the address the
 * link signs in as, with a button that posts the link's fields back. It reads no token and writes no session,
 * so whoever fetches the link (a mail scanner) spends nothing. The page's own URL holds the token, so every
 * request from it sends no more than our origin as its referrer (`strict-origin` still lets the form's POST
 * carry a real `Origin`, which `no-referrer` would turn into `null`).
 */
export const emailConfirmationPage = Effect.fnUntraced(function*(input: RouteInput, provider: ProviderId) {
  const query = input.context.url.searchParams
  const link = linkFields(query.get("token"), query.get("email"))
  const email = link === null ? Option.none() : normalizeEmail(link.email)
  if (link === null || Option.isNone(email)) return yield* new Verification()
  const page = confirmSignInPage({
    theme: input.options.theme,
    email: email.value,
    url: input.context.baseUrl,
    action: `${input.context.apiUrl}/callback/${provider}`,
    token: link.token,
    callbackUrl: yield* callbackTarget(input, undefined),
    csrfToken: yield* issueCsrfToken(input)
  })
  return HttpServerResponse.setHeader(htmlPage(page, 200, input.context.secure), "referrer-policy", "strict-origin")
})

/**
 * `POST /callback/:provider` of an e-mail provider with `confirmByPost`: the confirming form, CSRF-checked
 * before anything else, so only a press of the page's button (never a cross-site form) spends the token.
 */
export const confirmedEmailLink = Effect.fnUntraced(function*(input: RouteInput) {
  const body = yield* readBody(input.request, input.options.maxBodyBytes)
  yield* requireCsrf(input, body.fields["csrfToken"])
  const link = linkFields(body.fields["token"], body.fields["email"])
  if (link === null) return yield* new Verification()
  const callbackUrl = yield* callbackTarget(input, body.fields["callbackUrl"])
  return { email: link.email, token: Redacted.make(link.token), callbackUrl }
})
