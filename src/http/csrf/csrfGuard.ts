import { Effect } from "effect"
import { countRefusal } from "../../domain/telemetry.ts"
import { csrfState, csrfTokenMatches, sameOriginRequest } from "./csrfToken.ts"
import { MissingCSRF } from "../HttpError.ts"
import { requestSession } from "../session/requestSession.ts"
import type { RouteInput } from "../routes/authRoute.ts"
import { sessionBinding } from "../session/sessionBinding.ts"

const stateOf = Effect.fnUntraced(function*(input: RouteInput) {
  const binding = yield* sessionBinding(yield* requestSession(input))
  return yield* csrfState(input.request.cookies[input.names.csrf], binding)
})

/** The CSRF token for a page or `GET /csrf`, setting the cookie when the browser has no valid one. */
export const issueCsrfToken = Effect.fnUntraced(function*(input: RouteInput) {
  const state = yield* stateOf(input)
  if (state.setCookie !== null) input.jar.set(input.names.csrf, state.setCookie)
  return state.token
})

/**
 * Every state-changing POST passes here: from our own origin, with a double-submit token that matches the
 * cookie and was minted for this browser's session (see csrfToken.ts).
 */
export const requireCsrf = Effect.fnUntraced(function*(input: RouteInput, submitted: string | undefined) {
  if (!sameOriginRequest(input.request, input.context)) return yield* refused
  const state = yield* stateOf(input)
  if (!csrfTokenMatches(state, submitted)) return yield* refused
})

const refused = Effect.andThen(countRefusal("csrf"), Effect.fail(new MissingCSRF()))
