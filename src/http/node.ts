import { HttpServerRequest } from "effect/http"
import type { IncomingMessage, ServerResponse } from "node:http"
import type { SessionFastPath } from "./session/sessionFastPath.ts"

export type NodeListener = (req: IncomingMessage, res: ServerResponse) => void

/**
 * The Node mounting: `GET /session` answered by the fast path when it can (sessionFastPath.ts), everything
 * else by the router's listener. The fastest mounting on Node: no Request/Response conversion at all.
 */
export const nodeListener = (routed: NodeListener, fast: SessionFastPath | null): NodeListener =>
  fast === null ? routed : (req, res) => {
    const answer = fast.answer(req.method, req.url, req.headers.cookie)
    if (answer === null) return routed(req, res)
    res.writeHead(answer.status, answer.headers)
    res.end(answer.body)
  }

/**
 * A Node request as effect/http's request, for reading its session outside the API (`getSession`): only the
 * headers matter, the body is never read. Null when the headers do not make a URL (a malformed Host).
 */
export const requestOfNode = (request: IncomingMessage): HttpServerRequest.HttpServerRequest | null => {
  const headers = new Headers()
  for (const [name, value] of Object.entries(request.headers)) {
    if (typeof value === "string") headers.set(name, value)
    else if (Array.isArray(value)) for (const v of value) headers.append(name, v)
  }
  const host = request.headers.host ?? "localhost"
  const path = request.url ?? "/"
  if (!path.startsWith("/") || !URL.canParse(`http://${host}${path}`)) return null
  return HttpServerRequest.fromWeb(new Request(`http://${host}${path}`, { headers }))
}
