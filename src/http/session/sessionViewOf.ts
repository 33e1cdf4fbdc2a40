import { Effect } from "effect"
import type { HttpServerRequest } from "effect/http"
import { AuthConfig } from "../../domain/AuthConfig.ts"
import type { SessionView } from "../../domain/Session.ts"
import { CookieJar } from "../cookies/cookieJar.ts"
import { cookieNames } from "../cookies/cookieNames.ts"
import { HttpOptions } from "../HttpOptions.ts"
import { requestContext } from "../request/requestContext.ts"
import { currentSession } from "./sessionCookie.ts"

/**
 * The session view of a request (or null) for application code (`getSession`). It reads like `GET /session`
 * but writes no cookie: renewal happens when the browser next calls the API. A store outage answers null
 * (signed out) rather than failing the application's page.
 */
export const sessionViewOf = (request: HttpServerRequest.HttpServerRequest) =>
  Effect.gen(function*() {
    const options = yield* HttpOptions
    yield* AuthConfig
    const context = requestContext(request, options)
    if (context === null) return null
    const names = cookieNames(options, context.secure)
    const { read } = yield* currentSession(request, names, new CookieJar(options, context, request.cookies))
    return read._tag === "Active" ? read.view : null
  }).pipe(
    Effect.catch((error) => Effect.logWarning("authfx: getSession could not read the session", error._tag).pipe(Effect.as(null))),
    Effect.map((view): SessionView | null => view)
  )
