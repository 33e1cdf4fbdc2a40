import { Effect } from "effect"
import { HttpServerResponse } from "effect/http"
import { KeyStore } from "../../ports/KeyStore.ts"
import { authRoute, type BasePath } from "./authRoute.ts"

/**
 * `GET /jwks`: the public keys of the session keys when they are key pairs, so other services can verify
 * authfx session tokens themselves. Empty with secret (symmetric) keys, which are never published.
 */
export const jwksRoute = (basePath: BasePath) =>
  authRoute("GET", `${basePath}/jwks`, "api", () =>
    Effect.map(KeyStore.use((store) => store.jwks), (jwks) =>
      HttpServerResponse.jsonUnsafe(
        { keys: jwks.keys },
        { headers: { "cache-control": "public, max-age=300", "content-type": "application/jwk-set+json" } }
      )))
