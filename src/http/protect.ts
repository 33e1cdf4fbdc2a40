import type { IncomingMessage, ServerResponse } from "node:http"
import type { SessionView } from "../domain/Session.ts"

export interface ProtectOptions {
  /**
   * Where a signed-out browser goes: the sign-in page (default), with the page it wanted as `callbackUrl`.
   * Requests that do not accept HTML (fetch, APIs) get `401` JSON instead.
   */
  readonly signInUrl?: string
}

const wantsHtml = (accept: string | null | undefined) => (accept ?? "").includes("text/html")

const signInLocation = (signInUrl: string, wanted: string) =>
  `${signInUrl}${signInUrl.includes("?") ? "&" : "?"}callbackUrl=${encodeURIComponent(wanted)}`

const unauthorizedBody = JSON.stringify({ error: "NotSignedIn", message: "Sign in first." })

/**
 * Connect/Express-style middleware `(req, res, next)` that lets only signed-in requests through. The
 * session is put on `res.locals.session` (Express) for the handlers after it.
 */
export const protectNode = (
  getSession: (request: IncomingMessage) => Promise<SessionView | null>,
  basePath: string,
  options: ProtectOptions = {}
) =>
(
  req: IncomingMessage & { originalUrl?: string },
  res: ServerResponse & { locals?: Record<string, unknown> },
  next: (error?: unknown) => void
): void => {
  getSession(req).then((session) => {
    if (session !== null) {
      if (res.locals !== undefined) res.locals["session"] = session
      return next()
    }
    if (wantsHtml(req.headers.accept)) {
      // Express strips the mount path from req.url; originalUrl is the page the visitor asked for.
      const wanted = req.originalUrl ?? req.url ?? "/"
      res.writeHead(302, { location: signInLocation(options.signInUrl ?? `${basePath}/signin`, wanted) }).end()
      return
    }
    res.writeHead(401, { "content-type": "application/json" }).end(unauthorizedBody)
  }, next)
}

/** The same for web handlers: `handler` runs only with a session, and receives it. */
export const protectWeb = (
  getSession: (request: Request) => Promise<SessionView | null>,
  basePath: string,
  handler: (request: Request, session: SessionView) => Response | Promise<Response>,
  options: ProtectOptions = {}
) =>
async (request: Request): Promise<Response> => {
  const session = await getSession(request)
  if (session !== null) return handler(request, session)
  if (wantsHtml(request.headers.get("accept"))) {
    const url = new URL(request.url)
    return new Response(null, {
      status: 302,
      headers: { location: signInLocation(options.signInUrl ?? `${basePath}/signin`, url.pathname + url.search) }
    })
  }
  return new Response(unauthorizedBody, { status: 401, headers: { "content-type": "application/json" } })
}
