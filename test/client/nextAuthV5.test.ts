/**
 * next-auth 5's `next-auth/react` (Auth.js v5, beta), unpatched, in Chromium against authfx at `/auth`, with JWT and
 * with database sessions (nextAuthSuite.ts has the tests).
 */
import { nextAuthSuite } from "./nextAuthSuite.ts"

nextAuthSuite({ version: 5, strategy: "jwt" })
nextAuthSuite({ version: 5, strategy: "database" })
