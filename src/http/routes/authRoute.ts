import { Cause, Effect } from "effect"
import { HttpRouter, HttpServerRequest, type HttpServerResponse } from "effect/http"
import type { CallbackFailed } from "../../domain/callHook.ts"
import { AuthConfig, type ResolvedAuthConfig } from "../../domain/AuthConfig.ts"
import type {
  AccessDenied,
  CredentialsSignin,
  InvalidEmail,
  OAuthAccountNotLinked,
  ProviderNotConfigured,
  SignInRedirected,
  Verification,
  WebAuthnVerificationError
} from "../../domain/SignInError.ts"
import type { RateLimited } from "../../domain/rateLimit/RateLimited.ts"
import type {
  TwoFactorAlreadyEnabled,
  TwoFactorCodeInvalid,
  TwoFactorNotEnabled,
  TwoFactorPendingInvalid
} from "../../domain/twoFactor/TwoFactor.ts"
import type { KeyStoreUnavailable } from "../../ports/KeyStore.ts"
import type { LedgerUnavailable } from "../../ports/Ledger.ts"
import type { ClaimsNotJson, TokenTooLarge } from "../../ports/TokenCodec.ts"
import type { MailerError } from "../../ports/Mailer.ts"
import type {
  ProviderCheckFailed,
  ProviderDenied,
  ProviderResponseInvalid,
  ProviderUnavailable,
  UnknownProvider
} from "../../ports/ProviderClient.ts"
import type {
  AccountNotFound,
  LastSignInMethod,
  PasskeysUnsupported,
  UserNotFound,
  UsersUnavailable
} from "../../ports/Users.ts"
import { clientLabel, SignInClient } from "../../domain/clientLabel.ts"
import type { StepUpRequired } from "../../domain/stepUp.ts"
import type { SessionNotFound } from "../../domain/userSessions.ts"
import { json } from "./authResponse.ts"
import { CookieJar } from "../cookies/cookieJar.ts"
import { type CookieNames, cookieNames } from "../cookies/cookieNames.ts"
import { failureResponse, type FailureStyle } from "./failureResponse.ts"
import type { BadRequest, LinkFlowForeign, MissingCSRF, NotSignedIn, OAuthChecksMissing } from "../HttpError.ts"
import { HttpOptions, type ResolvedHttpOptions } from "../HttpOptions.ts"
import { jsonRedirectWhenAsked } from "../nextAuthV4/jsonRedirect.ts"
import type { BodyMalformed, BodyTooLarge } from "../request/requestBody.ts"
import { type RequestContext, requestContext } from "../request/requestContext.ts"
import { limitClient } from "../request/limitClient.ts"

/** Where the API is mounted: "" (the root) or "/auth". */
export type BasePath = "" | `/${string}`

/** Everything a route needs about the request it answers, built once per request. */
export interface RouteInput {
  readonly request: HttpServerRequest.HttpServerRequest
  readonly context: RequestContext
  readonly names: CookieNames
  readonly jar: CookieJar
  readonly options: ResolvedHttpOptions
  readonly config: ResolvedAuthConfig
}

/** Every way a route may fail; failureResponse maps each to what the client sees. */
export type RouteFailure =
  | MissingCSRF
  | NotSignedIn
  | OAuthChecksMissing
  | LinkFlowForeign
  | BadRequest
  | BodyTooLarge
  | BodyMalformed
  | CredentialsSignin
  | OAuthAccountNotLinked
  | AccessDenied
  | Verification
  | InvalidEmail
  | SignInRedirected
  | ProviderNotConfigured
  | CallbackFailed
  | ProviderDenied
  | ProviderCheckFailed
  | ProviderResponseInvalid
  | ProviderUnavailable
  | UnknownProvider
  | MailerError
  | LastSignInMethod
  | AccountNotFound
  | UserNotFound
  | UsersUnavailable
  | LedgerUnavailable
  | KeyStoreUnavailable
  | TokenTooLarge
  | ClaimsNotJson
  | RateLimited
  | StepUpRequired
  | SessionNotFound
  | WebAuthnVerificationError
  | PasskeysUnsupported
  | TwoFactorCodeInvalid
  | TwoFactorNotEnabled
  | TwoFactorAlreadyEnabled
  | TwoFactorPendingInvalid

/**
 * Adds a route, limited per client address (limitClient.ts), whose failures are all answered (never a 500 for a typed failure), and whose cookies are
 * written onto whatever response it ends with (a redirect that next-auth 4 asked for as JSON becomes `{url}`:
 * jsonRedirect.ts). A defect — a bug — is logged and answered with a 500.
 */
export const authRoute = <R>(
  method: "GET" | "POST",
  path: `/${string}`,
  style: FailureStyle,
  handler: (input: RouteInput) => Effect.Effect<HttpServerResponse.HttpServerResponse, RouteFailure, R>
) =>
  HttpRouter.add(
    method,
    path,
    Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const options = yield* HttpOptions
      const context = requestContext(request, options)
      if (context === null) return json({ error: "BadRequest", message: "The Host header is missing or invalid." }, 400)
      const input: RouteInput = {
        request,
        context,
        names: cookieNames(options, context.secure),
        jar: new CookieJar(options, context, request.cookies),
        options,
        config: yield* AuthConfig
      }
      // Counted before the body is read or the CSRF token checked: a refused request costs one counter step.
      const response = yield* limitClient(input).pipe(
        Effect.flatMap(() => handler(input)),
        // A session started here remembers a coarse label of the client (for the user's session list).
        Effect.provideService(SignInClient, clientLabel(request.headers["user-agent"])),
        Effect.catch((error) => failureResponse(error, input, style)),
        Effect.flatMap((answer) => jsonRedirectWhenAsked(input, answer))
      )
      return input.jar.applyTo(response)
    }).pipe(
      Effect.catchCause((cause) =>
        Effect.logError("authfx: unexpected failure", Cause.pretty(cause)).pipe(
          Effect.as(json({ error: "InternalError", message: "Something went wrong on our side." }, 500))
        )
      )
    )
  )
