import { Effect, Layer } from "effect"
import { JobLock, JobLockUnavailable } from "../../ports/JobLock.ts"
import { advisoryLockKey } from "./advisoryLockKey.ts"
import { type Client, PostgresClient } from "./PostgresClient.ts"
import { unavailableMessage } from "./sqlErrors.ts"

/**
 * The JobLock on PostgreSQL: a session-level advisory lock per job (and schema), taken with
 * `pg_try_advisory_lock` on a connection of its own that stays open, so the node that took it holds it
 * between runs and the others' tries fail. The lock lives as long as that connection: when the node ends, or
 * its connection is cut (a restart, `pg_terminate_backend`), the server frees it at once and the next node to
 * ask takes it. `hold` is not needed for that, and not used.
 *
 * Each ask is one statement that first looks in `pg_locks` for the lock held by this very backend, and tries
 * to take it only when it is not: a session lock taken twice must be released twice, so taking it again on
 * each ask would stack it, and a connection replaced behind our back holds nothing, which a flag kept here
 * could not know. (`CASE` evaluates in order; the key's two halves are how `pg_locks` shows a bigint key.)
 */
export const make = (client: Client) =>
  Effect.gen(function*() {
    const connection = yield* client.dedicated
    return JobLock.of({
      holds: (job) => {
        const key = advisoryLockKey(`job ${job}`, client.schema)
        return connection.run((db) =>
          db<ReadonlyArray<{ readonly held: boolean }>>`
            SELECT CASE WHEN EXISTS (
              SELECT 1 FROM pg_locks
              WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted AND objsubid = 1
                AND ((classid::bigint << 32) | objid::bigint) = ${key}::bigint
            ) THEN true ELSE pg_try_advisory_lock(${key}::bigint) END AS held`
        ).pipe(
          Effect.map((rows) => rows[0]?.held === true),
          Effect.mapError((error) =>
            new JobLockUnavailable({
              message: `the advisory lock could not be asked for: ${unavailableMessage(error)}`,
              cause: error.cause
            })
          )
        )
      }
    })
  })

/** The JobLock over the shared pool's settings; its connection opens at the first ask and closes with the layer. */
export const layer: Layer.Layer<JobLock, never, PostgresClient> = Layer.effect(
  JobLock,
  PostgresClient.use(make)
)
