import { Layer, Redacted } from "effect"
import * as NodemailerMailer from "../adapters/mail/NodemailerMailer.ts"
import * as MemoryMailer from "../adapters/memory/MemoryMailer.ts"
import type { OAuthProviderOptions } from "../adapters/oauth/OAuthProviderOptions.ts"
import type { AuthfxOptions } from "../compose/createAuth.ts"
import { observabilityFromEnv } from "../compose/observabilityFromEnv.ts"
import { MissingSecret, secretFromEnv, WeakSecret } from "../compose/secretFromEnv.ts"
import type { ProviderId } from "../domain/Account.ts"
import type { ProviderConfig } from "../domain/Provider.ts"
import type { Mailer } from "../ports/Mailer.ts"
import { demoStores } from "./demoStores.ts"

type Env = Readonly<Record<string, string | undefined>>

/** Without SMTP settings the magic link is printed on the console, so the demo works with nothing installed. */
const mailerFor = (env: Env): Layer.Layer<Mailer, unknown> => {
  const host = env["SMTP_HOST"]
  if (host === undefined || host === "") {
    return MemoryMailer.layer({
      onSend: (message) => {
        const link = Redacted.value(message.text).split("\n").find((line) => line.startsWith("http"))
        console.log(`\nauthfx demo: no SMTP_HOST, so here is the sign-in link for ${message.to}:\n  ${link}\n`)
      }
    })
  }
  return NodemailerMailer.layer({ host, port: Number(env["SMTP_PORT"] ?? "25"), secure: env["SMTP_PORT"] === "465" })
}

/**
 * The OpenID provider of OIDC_ISSUER (provider id `idp`, client_secret_basic). Plain http is accepted only
 * for an issuer on this machine (a test or development IdP), never across a network.
 */
const idpFor = (env: Env): OAuthProviderOptions | null => {
  const issuer = env["OIDC_ISSUER"]
  const clientId = env["OIDC_CLIENT_ID"]
  if (issuer === undefined || issuer === "" || clientId === undefined || clientId === "") return null
  const secret = env["OIDC_CLIENT_SECRET"]
  return {
    id: "idp",
    name: env["OIDC_NAME"] ?? "Identity provider",
    type: "oidc",
    // Linking by address is safe only with an IdP that verifies addresses and never lets one change without
    // verifying it again; the demo cannot know that of OIDC_ISSUER, so the operator has to say it.
    trustEmail: env["OIDC_TRUST_EMAIL"] === "true" || env["OIDC_TRUST_EMAIL"] === "1",
    issuer,
    clientId,
    ...(secret === undefined || secret === "" ? {} : { clientSecret: Redacted.make(secret) }),
    clientAuth: secret === undefined || secret === "" ? "none" : "client_secret_basic"
  }
}

/**
 * Passkeys (provider `passkey`) unless DEMO_PASSKEYS says no; off by default on the Auth.js adapters that have
 * no authenticator methods (pg, Kysely), where every passkey operation would be a Configuration error.
 */
export const passkeysOn = (env: Env): boolean => {
  const setting = env["DEMO_PASSKEYS"]
  if (setting !== undefined && setting !== "") return setting === "true" || setting === "1"
  return env["AUTHJS_ADAPTER"] !== "pg" && env["AUTHJS_ADAPTER"] !== "kysely-mysql"
}

const providersFor = (env: Env): ReadonlyArray<ProviderConfig> => {
  const username = env["DEMO_USERNAME"] ?? "demo"
  const password = env["DEMO_PASSWORD"] ?? "demo"
  const email = env["DEMO_EMAIL"] ?? "demo@example.com"
  return [
    { type: "email", id: "email" as ProviderId, name: "Email", maxAge: 24 * 60 * 60, from: env["EMAIL_FROM"] ?? "authfx demo <auth@localhost>" },
    {
      type: "credentials",
      id: "credentials" as ProviderId,
      name: "Demo account",
      trustEmail: true,
      fields: { username: { label: "Username", type: "text" }, password: { label: "Password", type: "password" } },
      authorize: (input) =>
        input["username"] === username && input["password"] === password
          ? { id: `demo:${username}`, name: username, email, emailVerified: true }
          : null
    },
    ...(passkeysOn(env) ? [{ type: "webauthn", id: "passkey" as ProviderId, name: "Passkey" } as const] : [])
  ]
}

/** The demo's configuration, read from the environment (every variable is in the README). */
export const demoOptions = (env: Env): AuthfxOptions | MissingSecret | WeakSecret => {
  const secret = secretFromEnv(env)
  if (secret instanceof MissingSecret || secret instanceof WeakSecret) return secret
  const port = env["PORT"] ?? "3000"
  const url = env["AUTH_URL"] ?? `http://localhost:${port}/auth`
  const strategy = env["SESSION_STRATEGY"] === "database" ? "database" : "jwt"
  const idp = idpFor(env)
  const observability = observabilityFromEnv(env, "authfx-demo")
  return {
    secret,
    http: {
      url,
      trustHost: env["AUTH_TRUST_HOST"] === "true" || env["AUTH_TRUST_HOST"] === "1",
      // next-auth 4's browser client wants NextAuth v4's `{}` for "signed out" (see HttpOptions.ts).
      ...(env["SIGNED_OUT_SESSION"] === "{}" ? { signedOutSession: "{}" as const } : {})
    },
    providers: providersFor(env),
    session: { strategy },
    mailer: mailerFor(env),
    ...(idp === null ? {} : { oauthProviders: [idp] }),
    ...(observability === undefined ? {} : { observability }),
    // For load tests of the demo only: a deployment keeps its limits.
    ...(env["RATE_LIMIT"] === "off" ? { rateLimit: false as const } : {}),
    ...demoStores(env, secret)
  }
}
