/**
 * The server the next-auth tests (nextAuthSuite.ts) run against, set up as an application would set it up:
 * the demo (servers.ts) with authfx at `/auth`, in the case's session strategy, mailing through a real SMTP
 * server, and the test page bundled from the package (pages/nextAuthPage.tsx) on the same origin. What the
 * bundle is given, as an application's would be:
 * - both versions: `<SessionProvider basePath="/auth">`, and `process.env` defined at bundle time (Next.js
 *   does that for the browser; without it the packages' module code throws on `process`);
 * - next-auth 4 also `NEXTAUTH_URL=<origin>/auth`: its client logger posts errors to the base path of
 *   NEXTAUTH_URL, read once when the module loads, not to SessionProvider's;
 * - the server, for next-auth 4: `signedOutSession: "{}"` (SIGNED_OUT_SESSION), NextAuth v4's answer to a
 *   signed-out `GET /session`; next-auth 5 needs Auth.js's `null`, the default.
 */
import type { SessionView } from "../../src/domain/Session.ts"
import { CredentialsSignin } from "../../src/domain/SignInError.ts"
import type { SmtpPeer } from "../support/smtpPeer.ts"
import { bundlePage } from "./bundle.ts"
import { type ClientServer, startAuthfx } from "./servers.ts"
import { pageHtml } from "./testOrigin.ts"

export interface NextAuthCase {
  /** The major version of next-auth whose client the page runs. */
  readonly version: 4 | 5
  readonly strategy: "jwt" | "database"
}

/** A user whose `authorize` refuses with a code of its own (`throw new CredentialsSignin({ code })`). */
export const locked = { username: "locked-out", password: "whatever it is", code: "AccountLocked" } as const

/** The name `update({ name })` gives the session, kept by the application's callback as Auth.js documents. */
const renamed = (data: unknown): string | undefined => {
  const name = typeof data === "object" && data !== null ? (data as { readonly name?: unknown }).name : undefined
  return typeof name === "string" ? name : undefined
}

/** The test page is `/__test/nextauth`. */
export const startNextAuthServer = ({ version, strategy }: NextAuthCase, smtp: SmtpPeer): Promise<ClientServer> => {
  // Database sessions keep no claims: the application keeps what update() changed (names by user id).
  const names = new Map<string, string>()
  return startAuthfx({
    env: {
      SESSION_STRATEGY: strategy,
      SMTP_HOST: "127.0.0.1",
      SMTP_PORT: String(smtp.port),
      EMAIL_FROM: "authfx next-auth test <auth@127.0.0.1>",
      ...(version === 4 ? { SIGNED_OUT_SESSION: "{}" } : {})
    },
    pages: async (origin) => ({
      "/__test/nextauth": ["text/html; charset=utf-8", pageHtml("/__test/nextauth.js")],
      "/__test/nextauth.js": [
        "text/javascript; charset=utf-8",
        version === 5
          ? await bundlePage("nextAuthV5Page.tsx")
          : await bundlePage("nextAuthV4Page.tsx", { NEXTAUTH_URL: `${origin}/auth` })
      ]
    }),
    customize: (options) => ({
      ...options,
      providers: (options.providers ?? []).map((provider) =>
        provider.type !== "credentials" ? provider : {
          ...provider,
          authorize: (input: Readonly<Record<string, string>>) => {
            if (input["username"] === locked.username) throw new CredentialsSignin({ code: locked.code })
            return provider.authorize(input)
          }
        }
      ),
      callbacks: {
        ...options.callbacks,
        ...(strategy === "database"
          ? {
            session: ({ session, user, trigger, newSession }): SessionView => {
              const name = trigger === "update" ? renamed(newSession) : undefined
              if (user !== undefined && name !== undefined) names.set(user.id, name)
              const kept = user === undefined ? undefined : names.get(user.id)
              return kept === undefined ? session : { ...session, user: { ...session.user, name: kept } }
            }
          }
          : {})
      }
    })
  })
}
