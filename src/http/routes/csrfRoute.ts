import { Effect } from "effect"
import { json } from "./authResponse.ts"
import { issueCsrfToken } from "../csrf/csrfGuard.ts"
import { authRoute, type BasePath } from "./authRoute.ts"

/** `GET /csrf` → `{"csrfToken": "…"}`, setting the cookie it is checked against. */
export const csrfRoute = (basePath: BasePath) =>
  authRoute("GET", `${basePath}/csrf`, "api", (input) => Effect.map(issueCsrfToken(input), (csrfToken) => json({ csrfToken })))
