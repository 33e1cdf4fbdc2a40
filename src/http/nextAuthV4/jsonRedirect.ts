import { Effect } from "effect"
import type { HttpServerResponse } from "effect/http"
import { readBody } from "../request/requestBody.ts"
import { json } from "../routes/authResponse.ts"
import type { RouteInput } from "../routes/authRoute.ts"

/**
 * next-auth 4's client asks for a redirect as data with a form field `json=true` (Auth.js v5's sends
 * `X-Auth-Return-Redirect: 1`, which `redirect` in authResponse.ts answers), then reads the answer with
 * `res.json()`: a 302 would be followed to an HTML page and throw. So a POST that carries `json=true` and ends
 * in a redirect gets `200 {"url": …}` instead, as NextAuth v4 answers it (`next/index.ts`); cookies stay as set.
 * Only POSTs carry the field; a redirect without it is left alone, and so is a body that cannot be read.
 */
export const jsonRedirectWhenAsked = (input: RouteInput, response: HttpServerResponse.HttpServerResponse) => {
  const location = response.headers["location"]
  if (input.request.method !== "POST" || response.status !== 302 || location === undefined) return Effect.succeed(response)
  // The route has read the body already (it is kept): this parses it again, nothing more.
  return readBody(input.request, input.options.maxBodyBytes).pipe(
    Effect.map((body) => (body.fields["json"] === "true" ? json({ url: location }) : response)),
    Effect.orElseSucceed(() => response)
  )
}
