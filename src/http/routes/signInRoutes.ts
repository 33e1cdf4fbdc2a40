import { Effect, Layer, Redacted } from "effect"
import { HttpRouter } from "effect/http"
import { requestEmailSignIn } from "../../domain/emailSignIn.ts"
import { startOAuthSignIn } from "../../domain/oauthSignIn.ts"
import { htmlPage, redirect } from "./authResponse.ts"
import { callbackTarget } from "../request/callbackTarget.ts"
import { issueCsrfToken, requireCsrf } from "../csrf/csrfGuard.ts"
import { emailLinkBase } from "../emailLinkBase.ts"
import { type OAuthIntent, sealOAuthFlow } from "../cookies/oauthFlowCookie.ts"
import { passkeySignInScriptSource } from "../pages/passkeySignInScript.ts"
import { signInPage } from "../pages/signInPage.ts"
import { readBody } from "../request/requestBody.ts"
import { traced } from "./routeTelemetry.ts"
import { authRoute, type BasePath, type RouteInput } from "./authRoute.ts"
import { ProviderNotConfigured } from "../../domain/SignInError.ts"
import { resolveRedirect } from "../../domain/redirectPolicy.ts"
import { limitIdentifier } from "../../domain/rateLimit/enforceLimit.ts"

/** The sign-in page's view of the configured providers, in configuration order. */
const providerViews = (input: RouteInput) =>
  input.config.providers.map((provider) => ({
    id: provider.id,
    name: provider.name,
    type: provider.type,
    signinUrl: `${input.context.apiUrl}/signin/${provider.id}`,
    callbackUrl: `${input.context.apiUrl}/callback/${provider.id}`,
    ...(provider.type === "credentials" ? { fields: provider.fields } : {}),
    ...(provider.type === "webauthn" ? { optionsUrl: `${input.context.apiUrl}/webauthn-options/${provider.id}?action=authenticate` } : {})
  }))

/** Sends the browser to the provider, keeping the flow's checks (and who started a link) in a sealed cookie. */
export const startOAuthRedirect = Effect.fnUntraced(function*(
  input: RouteInput,
  provider: string,
  callbackUrl: string,
  intent: OAuthIntent
) {
  const redirectUri = `${input.context.apiUrl}/callback/${provider}`
  // The query of this POST carries extra authorization parameters (Auth.js's `authorizationParams`).
  const params = Object.fromEntries(
    [...input.context.url.searchParams].filter(([name]) => name !== "callbackUrl")
  )
  const started = yield* startOAuthSignIn(provider, { redirectUri, params })
  yield* sealOAuthFlow(input, { provider, ...started.checks, redirectUri, callbackUrl, intent })
  return redirect(input.request, started.url)
})

/**
 * `GET /signin` → the built-in page (or the application's page, with `callbackUrl` and `error`);
 * `POST /signin/:provider` (CSRF) → to the provider, or a magic link and `/verify-request`.
 */
export const signInRoutes = (basePath: BasePath) =>
  Layer.mergeAll(
    authRoute("GET", `${basePath}/signin`, "browser", (input) =>
      Effect.gen(function*() {
        const error = input.context.url.searchParams.get("error")
        const callbackUrl = yield* resolveRedirect(
          input.context.url.searchParams.get("callbackUrl") ?? input.context.baseUrl,
          input.context.baseUrl
        )
        if (input.config.pages.signIn !== undefined) {
          const page = new URL(input.config.pages.signIn, input.context.origin)
          page.searchParams.set("callbackUrl", callbackUrl)
          if (error !== null) page.searchParams.set("error", error)
          return redirect(input.request, page.href)
        }
        const csrfToken = yield* issueCsrfToken(input)
        const providers = providerViews(input)
        const passkeys = providers.some((provider) => provider.type === "webauthn")
        return htmlPage(
          signInPage({ theme: input.options.theme, csrfToken, callbackUrl, error, providers }),
          200,
          input.context.secure,
          passkeys ? passkeySignInScriptSource : undefined
        )
      })),
    authRoute("POST", `${basePath}/signin/:provider`, "browser", traced("authfx.signIn", (input) =>
      Effect.gen(function*() {
        const { provider: id } = yield* HttpRouter.params
        const body = yield* readBody(input.request, input.options.maxBodyBytes)
        yield* requireCsrf(input, body.fields["csrfToken"])
        const provider = input.config.providers.find((p) => p.id === id)
        if (provider === undefined) return yield* new ProviderNotConfigured({ provider: id ?? "" })
        const callbackUrl = yield* callbackTarget(input, body.fields["callbackUrl"])
        switch (provider.type) {
          case "oauth":
          case "oidc":
            return yield* startOAuthRedirect(input, provider.id, callbackUrl, { _tag: "SignIn" })
          case "email": {
            // The link and the host named in the mail come from the configured URL, never from the request.
            const base = emailLinkBase(input.options)
            if (base === null) return yield* Effect.die("an e-mail provider without a configured URL passed the start-up check")
            yield* limitIdentifier("email", body.fields["email"] ?? "")
            yield* requestEmailSignIn({
              provider: provider.id,
              email: body.fields["email"] ?? "",
              host: base.host,
              link: (token, identifier) => {
                const link = new URL(`${base.apiUrl}/callback/${provider.id}`)
                link.searchParams.set("callbackUrl", callbackUrl)
                link.searchParams.set("token", Redacted.value(token))
                link.searchParams.set("email", identifier)
                return link.href
              }
            })
            return redirect(input.request, `${input.context.apiUrl}/verify-request?provider=${encodeURIComponent(provider.id)}&type=email`)
          }
          case "credentials":
          case "webauthn":
            // Credentials and passkeys post to /callback/:provider; Auth.js sends a stray POST here back to the page.
            return redirect(input.request, `${input.context.apiUrl}/signin`)
        }
      })))
  )
