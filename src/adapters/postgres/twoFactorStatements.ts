import { Effect, Redacted } from "effect"
import type postgres from "postgres"
import type { UserId } from "../../domain/User.ts"
import { type TwoFactorMethods, UserNotFound, UsersUnavailable } from "../../ports/Users.ts"
import type { Client, Pending } from "./PostgresClient.ts"
import { isForeignKeyViolation } from "./sqlErrors.ts"
import { dbId, type Row, unavailable } from "./userRows.ts"

const userFkey = "authfx_two_factor_user_fkey"

const invalidRow = new UsersUnavailable({ message: "PostgreSQL returned an invalid authfx_two_factor row" })

const toEnrolment = (userId: UserId, row: Row) => {
  const codes = Number(row["backup_count"])
  const lastStep = row["last_step"]
  const enabledAt = row["enabled_at"]
  const createdAt = row["created_at"]
  if (
    typeof row["enrolment_id"] !== "string" || typeof row["secret"] !== "string" || !(createdAt instanceof Date) ||
    !(enabledAt === null || enabledAt instanceof Date) || !Number.isSafeInteger(codes)
  ) return Effect.fail(invalidRow)
  return Effect.succeed({
    userId,
    id: row["enrolment_id"],
    secret: Redacted.make(row["secret"]),
    createdAt,
    enabledAt,
    // BIGINT arrives as a string from postgres.js.
    lastStep: lastStep === null ? null : Number(lastStep),
    backupCodes: codes
  })
}

/**
 * The two-factor methods of PostgresUsers. Each write is one statement whose WHERE clause is the domain's
 * transition (src/domain/twoFactor/enrolmentState.ts) in SQL: the row lock makes it atomic, and under READ
 * COMMITTED a statement that waited for a concurrent one re-checks its WHERE on the row that one left — so of
 * two uses of one step, or of one backup code, the second finds it spent.
 */
export const twoFactorMethods = (client: Client): TwoFactorMethods => {
  type Query = (db: postgres.Sql) => Pending<ReadonlyArray<Row>>
  // A list goes over as one JSON parameter: the pool does not fetch array types, so it cannot bind a text[].
  const textArray = (values: ReadonlyArray<string>) =>
    client.sql`ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(values)}::text::jsonb))`
  const rows = (query: Query) => Effect.mapError(client.run(query), unavailable)
  const wrote = (query: Query) => Effect.map(rows(query), (found) => found.length > 0)
  /** A user id that cannot be one of ours has no row: the write changes nothing. */
  const forUser = (userId: UserId, query: (id: string) => Query) => {
    const id = dbId(userId)
    return id === null ? Effect.succeed(false) : wrote(query(id))
  }

  return {
    getTwoFactor: (userId) => {
      const id = dbId(userId)
      if (id === null) return Effect.succeedNone
      return Effect.flatMap(
        rows((db) => db`
          SELECT enrolment_id, secret, created_at, enabled_at, last_step, cardinality(backup_codes) AS backup_count
          FROM authfx_two_factor WHERE user_id = ${id}::bigint`),
        ([row]) => row === undefined ? Effect.succeedNone : Effect.asSome(toEnrolment(userId, row))
      )
    },
    startTwoFactor: (pending) => {
      const id = dbId(pending.userId)
      if (id === null) return Effect.fail(new UserNotFound())
      return client.run((db) =>
        db`
          INSERT INTO authfx_two_factor (user_id, enrolment_id, secret, created_at)
          VALUES (${id}::bigint, ${pending.id}, ${Redacted.value(pending.secret)}, ${pending.createdAt}::timestamptz)
          ON CONFLICT (user_id) DO UPDATE SET enrolment_id = excluded.enrolment_id, secret = excluded.secret,
            created_at = excluded.created_at, enabled_at = NULL, last_step = NULL, backup_codes = '{}'
          WHERE authfx_two_factor.enabled_at IS NULL
          RETURNING 1`
      ).pipe(
        Effect.map((found) => found.length > 0),
        Effect.mapError((error) => isForeignKeyViolation(error, userFkey) ? new UserNotFound() : unavailable(error))
      )
    },
    enableTwoFactor: (userId, enrolment, facts) =>
      forUser(userId, (id) => (db) =>
        db`
          UPDATE authfx_two_factor SET enabled_at = ${facts.enabledAt}::timestamptz, last_step = ${facts.step}::bigint,
            backup_codes = ${textArray(facts.backupCodeHashes)}
          WHERE user_id = ${id}::bigint AND enrolment_id = ${enrolment} AND enabled_at IS NULL
          RETURNING 1`),
    useTwoFactorStep: (userId, enrolment, step) =>
      forUser(userId, (id) => (db) =>
        db`
          UPDATE authfx_two_factor SET last_step = ${step}::bigint
          WHERE user_id = ${id}::bigint AND enrolment_id = ${enrolment} AND enabled_at IS NOT NULL
            AND (last_step IS NULL OR last_step < ${step}::bigint)
          RETURNING 1`),
    consumeBackupCode: (userId, codeHash) =>
      forUser(userId, (id) => (db) =>
        db`
          UPDATE authfx_two_factor SET backup_codes = array_remove(backup_codes, ${codeHash}::text)
          WHERE user_id = ${id}::bigint AND enabled_at IS NOT NULL AND ${codeHash}::text = ANY (backup_codes)
          RETURNING 1`),
    replaceBackupCodes: (userId, enrolment, codeHashes) =>
      forUser(userId, (id) => (db) =>
        db`
          UPDATE authfx_two_factor SET backup_codes = ${textArray(codeHashes)}
          WHERE user_id = ${id}::bigint AND enrolment_id = ${enrolment} AND enabled_at IS NOT NULL
          RETURNING 1`),
    deleteTwoFactor: (userId) =>
      forUser(userId, (id) => (db) => db`DELETE FROM authfx_two_factor WHERE user_id = ${id}::bigint RETURNING 1`)
  }
}
