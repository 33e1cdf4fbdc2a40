import { Effect, type Option } from "effect"
import { type AuthorizationChecks, ProviderClient } from "../ports/ProviderClient.ts"
import type { ProviderId } from "./Account.ts"
import { signInWithAccount } from "./accountSignIn.ts"
import { AuthConfig, findProvider } from "./AuthConfig.ts"
import type { OAuthProviderConfig } from "./Provider.ts"
import { ProviderNotConfigured } from "./SignInError.ts"
import type { User } from "./User.ts"

export const findOAuthProvider = Effect.fnUntraced(function*(id: ProviderId | string) {
  const provider = findProvider(yield* AuthConfig, id)
  if (provider === undefined || (provider.type !== "oauth" && provider.type !== "oidc")) {
    return yield* new ProviderNotConfigured({ provider: id })
  }
  return provider as OAuthProviderConfig
})

/**
 * Starts an OAuth / OpenID Connect sign-in (or the linking of another provider while signed in): the
 * authorization URL to send the browser to, and the checks (state, PKCE verifier, nonce) that the
 * caller keeps for the callback.
 */
export const startOAuthSignIn = Effect.fn("startOAuthSignIn")(function*(
  providerId: ProviderId | string,
  options: { readonly redirectUri: string; readonly params?: Readonly<Record<string, string>> }
) {
  const provider = yield* findOAuthProvider(providerId)
  return yield* ProviderClient.use((client) => client.authorize(provider.id, options))
})

/**
 * Completes it: the ProviderClient verifies the checks and exchanges the code, the profile goes
 * through the linking rules, and the tokens are stored on the account.
 */
export const completeOAuthSignIn = Effect.fn("completeOAuthSignIn")(function*(input: {
  readonly provider: ProviderId | string
  readonly redirectUri: string
  readonly params: Readonly<Record<string, string>>
  readonly checks: AuthorizationChecks
  /** The user of a link flow (see AccountSignInAttempt.linkTo); none for a sign-in. */
  readonly linkTo: Option.Option<User>
}) {
  const provider = yield* findOAuthProvider(input.provider)
  const client = yield* ProviderClient
  const { tokens, profile } = yield* client.callback(provider.id, {
    redirectUri: input.redirectUri,
    params: input.params,
    checks: input.checks
  })
  return yield* signInWithAccount({ provider, type: provider.type, profile, tokens, linkTo: input.linkTo })
})
