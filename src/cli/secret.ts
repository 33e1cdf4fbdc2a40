/**
 * `authfx secret`: prints a fresh deployment secret for AUTH_SECRET — 33 bytes from the CSPRNG in base64,
 * 44 characters, as `openssl rand -base64 33` does — and nothing else, so that it can be piped or captured
 * (`AUTH_SECRET=$(npx authfx secret)`).
 */
import { Console, Effect } from "effect"
import { generateSecret } from "../compose/secretFromEnv.ts"

export const secretCommand = Effect.flatMap(Effect.sync(generateSecret), Console.log)
