import type { Redacted } from "effect"
import type {
  ClientAuthMethod,
  OAuthCheck,
  OAuthProviderOptions,
  PrivateKeyJwk,
  ProfileMapping
} from "../OAuthProviderOptions.ts"

/** What every preset takes: our client at the provider, and what an application may want to change. */
export interface PresetOptions {
  readonly clientId: string
  readonly clientSecret?: Redacted.Redacted<string>
  /** Another id, to configure the same provider twice (two Keycloak realms). */
  readonly id?: string
  readonly name?: string
  /** Default false for every preset: linking by e-mail is the application's decision. */
  readonly trustEmail?: boolean
  readonly scope?: string
  readonly checks?: ReadonlyArray<OAuthCheck>
  /** Merged over the preset's own parameters. */
  readonly authorizationParams?: Readonly<Record<string, string>>
  readonly profile?: ProfileMapping
  readonly clientAuth?: ClientAuthMethod
  readonly privateKeyJwk?: PrivateKeyJwk
  readonly timeoutMillis?: number
}

/** A preset's own settings: everything but the client, which the application gives. */
export type Preset = Omit<OAuthProviderOptions, "clientId" | "clientSecret" | "trustEmail"> & {
  readonly trustEmail?: boolean
}

/** The preset with the application's options over it; only options actually given replace the preset's. */
export const withPreset = (preset: Preset, options: PresetOptions): OAuthProviderOptions => {
  const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as PresetOptions
  const authorizationParams = { ...preset.authorizationParams, ...given.authorizationParams }
  return {
    ...preset,
    ...given,
    trustEmail: given.trustEmail ?? preset.trustEmail ?? false,
    ...(Object.keys(authorizationParams).length === 0 ? {} : { authorizationParams })
  }
}
