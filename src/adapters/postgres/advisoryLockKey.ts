import { createHash } from "node:crypto"

/**
 * The bigint key of one of authfx's advisory locks: one per purpose and schema, so that nodes sharing a schema
 * contend while deployments (and tests) in other schemas of one database do not. SHA-256 rather than the
 * server's undocumented hashtext.
 */
export const advisoryLockKey = (purpose: string, schema: string | null): string =>
  createHash("sha256").update(`authfx ${purpose} ${schema ?? "(search_path)"}`).digest().readBigInt64BE(0).toString()
