/**
 * Which keys verify, and what a JWKS publishes of them: the KeyStore contract's two rules over a store's keys
 * (ports/KeyStore.ts: `find` and `verificationKeys` return only verifying keys; `jwks` publishes the public
 * half of every verifying key pair and nothing of any secret key), written once for every store.
 */
import { Effect } from "effect"
import { type Key, KeyPurpose, type PublicJwk } from "../../ports/KeyStore.ts"

/**
 * Whether a key (or a store's record of one) still verifies at `now`, in epoch milliseconds: it is current
 * (no retirement yet), or retires after `now`. At its retirement instant it no longer verifies.
 */
export const verifiesAt = (now: number) => (key: { readonly retiresAt: Date | null }): boolean =>
  key.retiresAt === null || key.retiresAt.getTime() > now

/** The JWKS of `keys`: the public JWK of each key pair among them, in their order; of a secret key, nothing. */
export const jwksOf = (keys: ReadonlyArray<Key>): { readonly keys: ReadonlyArray<PublicJwk> } => ({
  keys: keys.flatMap((key) => (key._tag === "KeyPair" ? [key.publicJwk] : []))
})

/** A store's `jwks`: `jwksOf` the verification keys of every purpose. */
export const jwksOfPurposes = <E>(
  verificationKeys: (purpose: KeyPurpose) => Effect.Effect<ReadonlyArray<Key>, E>
): Effect.Effect<{ readonly keys: ReadonlyArray<PublicJwk> }, E> =>
  Effect.map(Effect.forEach(KeyPurpose.literals, verificationKeys), (keys) => jwksOf(keys.flat()))
