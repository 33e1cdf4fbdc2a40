import { Effect } from "effect"
import type { ProviderConfig } from "../domain/Provider.ts"
import { type AuthHttpOptions, HttpOptionsInvalid, resolveHttpOptions, type ResolvedHttpOptions } from "./HttpOptions.ts"

/**
 * Where the links that go into e-mail point: the API under the configured URL (AUTH_URL / `http.url`),
 * e.g. "https://app.example.com/auth". Never the request's origin: a mail is read later, elsewhere, and
 * carries a sign-in token, so a Host or X-Forwarded-Host header the sender chose must not pick its host
 * (behind a proxy that passes such headers on, anyone could have us mail a victim a token for their own
 * server). Null without a configured URL, which the start-up check below does not let through with an
 * e-mail provider.
 */
export const emailLinkBase = (options: ResolvedHttpOptions): { readonly apiUrl: string; readonly host: string } | null =>
  options.url === null ? null : { apiUrl: options.url.origin + options.basePath, host: options.url.host }

/**
 * The HTTP options, resolved and checked against the providers: with an e-mail provider there must be a
 * configured URL to build its links from. Every entry point (createAuth, authHttpApp, authAppLayer)
 * resolves its options here, so none starts without it.
 */
export const resolveAppHttpOptions = (
  options: AuthHttpOptions,
  providers: ReadonlyArray<Pick<ProviderConfig, "type" | "id">>
): Effect.Effect<ResolvedHttpOptions, HttpOptionsInvalid> =>
  Effect.flatMap(resolveHttpOptions(options), (resolved) => {
    const mailing = providers.find((provider) => provider.type === "email")
    return mailing !== undefined && emailLinkBase(resolved) === null
      ? Effect.fail(
        new HttpOptionsInvalid({
          message: `the e-mail provider "${mailing.id}" mails sign-in links, which are built only from the configured URL: ` +
            "set AUTH_URL / http.url (e.g. https://app.example.com/auth); trustHost alone is not enough"
        })
      )
      : Effect.succeed(resolved)
  })
