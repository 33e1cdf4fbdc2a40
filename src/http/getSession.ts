import { Effect } from "effect"
import { HttpServerRequest } from "effect/http"
import type { IncomingMessage } from "node:http"
import type { SessionView } from "../domain/Session.ts"
import { requestOfNode } from "./node.ts"
import type { SessionFastPath } from "./session/sessionFastPath.ts"
import { sessionViewOf } from "./session/sessionViewOf.ts"

/**
 * `getSession(request)` for application code, on a Node or a web request: the fast path's answer when it has
 * one, else the session read as `GET /session` reads it (without writing a cookie). Never throws and never
 * rejects: a malformed request is a signed-out request, not a crashed page.
 */
export const makeGetSession = (
  run: (effect: Effect.Effect<SessionView | null, never, Effect.Services<ReturnType<typeof sessionViewOf>>>) => Promise<SessionView | null>,
  fast: SessionFastPath | null
) => {
  const routed = (request: Request | IncomingMessage) =>
    run(
      Effect.suspend(() => {
        const converted = request instanceof Request ? HttpServerRequest.fromWeb(request) : requestOfNode(request)
        return converted === null ? Effect.succeed(null) : sessionViewOf(converted)
      }).pipe(Effect.catchDefect(() => Effect.succeed(null)))
    )
  return (request: Request | IncomingMessage): Promise<SessionView | null> => {
    const cookie = request instanceof Request ? request.headers.get("cookie") ?? undefined : request.headers.cookie
    const quick = fast?.view(cookie)
    return quick !== undefined ? Promise.resolve(quick) : routed(request)
  }
}
