import { Layer } from "effect"
import { AuthConfig, type AuthOptions } from "../domain/AuthConfig.ts"
import { TokenRotation } from "../domain/tokenRotation.ts"
import { cryptoLayer } from "./cryptoLayer.ts"

/**
 * The domain's own services over whatever adapters supply the ports: the resolved config, the crypto
 * services and the token rotation (which keeps per-process state, so build it once).
 */
export const coreLayer = (options: AuthOptions) =>
  TokenRotation.layer.pipe(Layer.provideMerge(AuthConfig.layer(options)), Layer.provideMerge(cryptoLayer))
