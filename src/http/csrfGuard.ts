import { Effect } from "effect"
import { csrfState, csrfTokenMatches, sameOriginRequest } from "./csrf.ts"
import { MissingCSRF } from "./HttpError.ts"
import type { RouteInput } from "./routeInput.ts"

/** The CSRF token for a page or `GET /csrf`, setting the cookie when the browser has no valid one. */
export const issueCsrfToken = Effect.fnUntraced(function*(input: RouteInput) {
  const state = yield* csrfState(input.request.cookies[input.names.csrf])
  if (state.setCookie !== null) input.jar.set(input.names.csrf, state.setCookie)
  return state.token
})

/** Every state-changing POST passes here: a matching double-submit token, from our own origin. */
export const requireCsrf = Effect.fnUntraced(function*(input: RouteInput, submitted: string | undefined) {
  const state = yield* csrfState(input.request.cookies[input.names.csrf])
  if (!sameOriginRequest(input.request, input.context) || !csrfTokenMatches(state, submitted)) {
    return yield* new MissingCSRF()
  }
})
