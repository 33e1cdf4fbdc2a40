/**
 * `authfx/client` in Chromium against the authfx demo server (clientSuite.ts has the tests; servers.ts the
 * server: the demo behind a counting proxy, 60-second sessions renewed on every read).
 */
import { clientSuite } from "./clientSuite.ts"
import { startAuthfx } from "./servers.ts"

clientSuite(startAuthfx)
