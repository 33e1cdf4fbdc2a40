import { Layer } from "effect"
import type { BasePath } from "./routes/authRoute.ts"
import { accountRoutes } from "./routes/accountRoutes.ts"
import { twoFactorRoutes } from "./routes/twoFactorRoutes.ts"
import { clientLogRoute } from "./nextAuthV4/clientLogRoute.ts"
import { callbackRoutes } from "./routes/callbackRoutes.ts"
import { csrfRoute } from "./routes/csrfRoute.ts"
import { fallbackRoute } from "./routes/fallbackRoute.ts"
import { jwksRoute } from "./routes/jwksRoute.ts"
import { pageRoutes } from "./routes/pageRoutes.ts"
import { passkeyRoutes } from "./routes/passkeyRoutes.ts"
import { providersRoute } from "./routes/providersRoute.ts"
import { sessionRoutes } from "./routes/sessionRoutes.ts"
import { signInRoutes } from "./routes/signInRoutes.ts"
import { signOutRoutes } from "./routes/signOutRoutes.ts"
import { userSessionRoutes } from "./routes/userSessionRoutes.ts"

/** The whole REST API under `basePath`, as routes on effect/http's router. */
export const authRoutes = (basePath: BasePath) =>
  Layer.mergeAll(
    csrfRoute(basePath),
    providersRoute(basePath),
    sessionRoutes(basePath),
    signInRoutes(basePath),
    callbackRoutes(basePath),
    signOutRoutes(basePath),
    pageRoutes(basePath),
    jwksRoute(basePath),
    accountRoutes(basePath),
    userSessionRoutes(basePath),
    passkeyRoutes(basePath),
    twoFactorRoutes(basePath),
    clientLogRoute(basePath),
    fallbackRoute(basePath)
  )
