import { Context, type Duration, type Effect, Schema } from "effect"

/** Whether this node holds a job's lock could not be found out (the store behind the lock is down). */
export class JobLockUnavailable extends Schema.TaggedError<JobLockUnavailable>()("JobLockUnavailable", {
  message: Schema.String,
  cause: Schema.optionalKey(Schema.Defect())
}) {}

/**
 * Which node of a deployment does a job that one node at a time should do, such as the sweep of expired
 * entries. The lock is held, not taken per run: the node that holds it keeps doing the job every period, the
 * others ask each period and stand by, so the job runs once a period across the deployment, and another node
 * takes over when the holder stops (it ends, its connection is cut, or it stops asking).
 *
 * The lock saves work, it does not guard data: the jobs it is for are safe to run twice at once (a sweep
 * deletes only what is expired, in bounded batches), so a moment when two nodes both think they hold it costs
 * a repeated batch, nothing more.
 *
 * Contract (each sentence has a conformance test in test/conformance/JobLock.ts):
 * - `holds` answers true to at most one node at a time for one job, taking the lock when it is free.
 * - The node that holds it keeps it while it asks again within `hold` of its last ask.
 * - When the holder stops asking, another node takes the lock at most `hold` after the holder's last ask
 *   (a lock tied to a connection is free as soon as the holder's connection ends).
 * - Jobs of different names do not exclude each other.
 * - Infrastructure failure is `JobLockUnavailable`, never a defect.
 */
export class JobLock extends Context.Service<JobLock, {
  readonly holds: (job: string, hold: Duration.Duration) => Effect.Effect<boolean, JobLockUnavailable>
}>()("authfx/JobLock") {}
