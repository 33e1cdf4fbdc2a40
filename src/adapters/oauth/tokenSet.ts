import { Redacted } from "effect"
import type * as client from "openid-client"
import type { TokenSet } from "../../domain/Account.ts"

const secret = (value: unknown) => (typeof value === "string" && value !== "" ? Redacted.make(value) : null)
const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : null)

/**
 * A token response as the account keeps it: secrets Redacted, and `expires_in` (RFC 6749 §5.1, seconds
 * from now) turned into an instant on our clock, since the provider's clock is not ours.
 */
export const tokenSetOf = (response: client.TokenEndpointResponse, now: number): TokenSet => {
  const expiresIn = response.expires_in
  return {
    accessToken: secret(response.access_token),
    refreshToken: secret(response.refresh_token),
    idToken: secret(response.id_token),
    expiresAt: typeof expiresIn === "number" && Number.isFinite(expiresIn) && expiresIn >= 0
      ? new Date(now + Math.round(expiresIn * 1000))
      : null,
    tokenType: text(response.token_type),
    scope: text(response.scope),
    sessionState: text(response["session_state"])
  }
}
