import { Effect } from "effect"
import { json } from "./authResponse.ts"
import { authRoute, type BasePath } from "./authRoute.ts"

/** `GET /providers`, in Auth.js's shape: `{ [id]: { id, name, type, signinUrl, callbackUrl } }`. */
export const providersRoute = (basePath: BasePath) =>
  authRoute("GET", `${basePath}/providers`, "api", (input) =>
    Effect.sync(() =>
      json(Object.fromEntries(input.config.providers.map((provider) => [provider.id, {
        id: provider.id,
        name: provider.name,
        type: provider.type,
        signinUrl: `${input.context.apiUrl}/signin/${provider.id}`,
        callbackUrl: `${input.context.apiUrl}/callback/${provider.id}`
      }])))
    ))
