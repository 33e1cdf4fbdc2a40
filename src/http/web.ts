import type { SessionFastPath } from "./session/sessionFastPath.ts"

export type WebHandler = (request: Request) => Promise<Response>

const pathAndQuery = (url: string) => {
  const start = url.indexOf("/", url.indexOf("//") + 2)
  return start < 0 ? "/" : url.slice(start)
}

/**
 * The web mounting (Next.js route handlers, Bun, Deno, Hono): `GET /session` answered by the fast path when it
 * can (sessionFastPath.ts), everything else by the router's web handler.
 */
export const webHandler = (routed: WebHandler, fast: SessionFastPath | null): WebHandler =>
  fast === null ? routed : (request) => {
    const answer = fast.answer(request.method, pathAndQuery(request.url), request.headers.get("cookie") ?? undefined)
    return answer === null ? routed(request) : Promise.resolve(new Response(answer.body, answer))
  }
