import { Effect } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import type { SessionFastPath } from "./session/sessionFastPath.ts"

/**
 * The effect/http mounting's share of the fast path (`authHttpApp`): a global router middleware that answers
 * `GET /session` before any route is matched when the fast path can (sessionFastPath.ts), and passes every
 * other request on. The server has already parsed the request by then, so this saves the routing and the
 * route, not the parse.
 */
export const sessionFastPathMiddleware = (fast: SessionFastPath) =>
  HttpRouter.middleware((httpEffect) =>
    HttpServerRequest.HttpServerRequest.use((request) => {
      const answer = fast.answer(request.method, request.url, request.headers["cookie"])
      return answer === null
        ? httpEffect
        : Effect.succeed(HttpServerResponse.text(answer.body, {
          status: answer.status,
          headers: answer.headers,
          contentType: answer.headers["content-type"]
        }))
    }), { global: true })
