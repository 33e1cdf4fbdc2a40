/**
 * next-auth 4's `next-auth/react` (NextAuth.js v4), unpatched, in Chromium against authfx at `/auth`, with JWT and
 * with database sessions (nextAuthSuite.ts has the tests). It speaks an older dialect than Auth.js v5: it asks
 * for `{ url }` with a form field `json=true` instead of `X-Auth-Return-Redirect`, reads a signed-out session as
 * `{}`, and posts its errors to `/_log`.
 */
import { nextAuthSuite } from "./nextAuthSuite.ts"

nextAuthSuite({ version: 4, strategy: "jwt" })
nextAuthSuite({ version: 4, strategy: "database" })
