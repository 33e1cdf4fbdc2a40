/**
 * The same client tests (clientSuite.ts) against Auth.js itself: @auth/core's `Auth(request, config)` on
 * node:http, basePath "/api/auth", credentials and JWT sessions. Every test holds as it does against authfx.
 *
 * Where Auth.js differs, and what that means here:
 * - GET /session re-issues the JWT cookie on every read (no updateAge), so keep-alive renews it whatever the
 *   interval; authfx renews only when `updateAge` has passed (0 in these tests, so every read renews too).
 * - `update(data)` changes nothing by itself on either server: the application's jwt callback decides (both
 *   servers here take `name` from it, as Auth.js's docs show).
 * - Signing out of a JWT session only clears the cookie on Auth.js; authfx also revokes the token, so a copy of
 *   the cookie stops working. The client sees the same (null either way).
 */
import { clientSuite } from "./clientSuite.ts"
import { startAuthCore } from "./servers.ts"

clientSuite(startAuthCore)
