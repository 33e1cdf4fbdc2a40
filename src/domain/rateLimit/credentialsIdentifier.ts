import type { CredentialsProviderConfig } from "../Provider.ts"

/**
 * Who a credentials attempt is for: the value of the provider's first field that is not a password (its
 * username or e-mail field), else a `username` or `email` field. Counters key it (identifierKey), so
 * `Ada` and ` ada ` are one identifier; a form without one is "".
 */
export const credentialsIdentifier = (
  provider: CredentialsProviderConfig,
  credentials: Readonly<Record<string, string>>
): string => {
  const field = Object.entries(provider.fields).find(([, f]) => f.type !== "password")?.[0]
  return (field === undefined ? undefined : credentials[field]) ?? credentials["username"] ?? credentials["email"] ?? ""
}
