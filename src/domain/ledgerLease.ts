import { Clock, Duration, Effect, Layer, Option } from "effect"
import { JobLock, JobLockUnavailable } from "../ports/JobLock.ts"
import { Ledger } from "../ports/Ledger.ts"

/** The ledger key of a job's lease; `lease:` keeps it apart from revocations, claims and the bridge's indexes. */
export const leaseKey = (job: string) => `lease:${encodeURIComponent(job)}`

/**
 * A JobLock for stores without locks of their own (memory, SQLite, the Auth.js bridge): a lease in the Ledger,
 * an entry naming the holder that expires `hold` after its last renewal. Both steps are compare-and-sets, so
 * of nodes asking at once exactly one renews or takes it; a holder that stops asking loses it when it lapses.
 */
export const ledgerLease = (ledger: Ledger["Service"], node: string): JobLock["Service"] =>
  JobLock.of({
    holds: (job, hold) =>
      Effect.gen(function*() {
        const key = leaseKey(job)
        const now = yield* Clock.currentTimeMillis
        const next = { value: node, expiresAt: new Date(now + Duration.toMillis(hold)) }
        // Renew first, so the holder keeps it; then take it if nobody holds it (never taken, or lapsed).
        if (yield* ledger.compareAndSet(key, Option.some(node), next)) return true
        return yield* ledger.compareAndSet(key, Option.none(), next)
      }).pipe(
        Effect.mapError((error) =>
          new JobLockUnavailable({
            message: `the lease could not be read or renewed: ${error.message}`,
            ...(error.cause === undefined ? {} : { cause: error.cause })
          })
        )
      )
  })

/**
 * The lease over the deployment's Ledger, under a node id drawn once per layer (not a secret: it only tells
 * holders apart).
 */
export const layer: Layer.Layer<JobLock, never, Ledger> = Layer.effect(
  JobLock,
  Ledger.use((ledger) => Effect.sync(() => ledgerLease(ledger, globalThis.crypto.randomUUID())))
)
