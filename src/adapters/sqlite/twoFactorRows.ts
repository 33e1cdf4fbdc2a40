import { Effect, Option } from "effect"
import type { UserId } from "../../domain/User.ts"
import * as EnrolmentState from "../../domain/twoFactor/enrolmentState.ts"
import { type TwoFactorMethods, UserNotFound, UsersUnavailable } from "../../ports/Users.ts"
import { integer, integerOrNull, text } from "./columns.ts"
import { InvalidRow, type Connection, type Row, SqliteDatabase, type SqliteFailure } from "./SqliteDatabase.ts"

const select = "SELECT * FROM two_factor WHERE user_id = :user_id"
const upsert = `
  INSERT INTO two_factor (user_id, enrolment_id, secret, created_at, enabled_at, last_step, backup_codes)
  VALUES (:user_id, :enrolment_id, :secret, :created_at, :enabled_at, :last_step, :backup_codes)
  ON CONFLICT (user_id) DO UPDATE SET enrolment_id = excluded.enrolment_id, secret = excluded.secret,
    created_at = excluded.created_at, enabled_at = excluded.enabled_at, last_step = excluded.last_step,
    backup_codes = excluded.backup_codes`
const remove = "DELETE FROM two_factor WHERE user_id = :user_id"

const codesOf = (row: Row): ReadonlyArray<string> => {
  const parsed: unknown = JSON.parse(text(row, "backup_codes"))
  if (!Array.isArray(parsed) || !parsed.every((code) => typeof code === "string")) {
    throw new InvalidRow({ column: "backup_codes" })
  }
  return parsed
}

const stateOf = (row: Row): EnrolmentState.EnrolmentState => ({
  id: text(row, "enrolment_id"),
  secret: text(row, "secret"),
  createdAt: integer(row, "created_at"),
  enabledAt: integerOrNull(row, "enabled_at"),
  lastStep: integerOrNull(row, "last_step"),
  codes: codesOf(row)
})

const read = (sql: Connection, userId: UserId) => {
  const row = sql.get(select, { user_id: userId })
  return row === undefined ? undefined : stateOf(row)
}

const unavailable = (operation: string) => (failure: SqliteFailure) =>
  new UsersUnavailable({ message: `the SQLite user store could not ${operation}: ${failure.detail}`, cause: failure })

/**
 * The two-factor methods of SqliteUsers: each reads the user's row, applies the domain's transition
 * (enrolmentState.ts) and writes the outcome back, in one IMMEDIATE transaction, so a concurrent use of the
 * same step or backup code — from this process or another on the file — waits and then finds it spent.
 */
export const twoFactorMethods = Effect.gen(function*() {
  const db = yield* SqliteDatabase
  const apply = (
    userId: UserId,
    step: (state: EnrolmentState.EnrolmentState | undefined) => EnrolmentState.Transition
  ) =>
    db.transaction((sql) => {
      const { next, answer } = step(read(sql, userId))
      if (!answer) return false
      if (next === undefined) sql.run(remove, { user_id: userId })
      else {
        sql.run(upsert, {
          user_id: userId,
          enrolment_id: next.id,
          secret: next.secret,
          created_at: next.createdAt,
          enabled_at: next.enabledAt,
          last_step: next.lastStep,
          backup_codes: JSON.stringify(next.codes)
        })
      }
      return true
    })

  const methods: TwoFactorMethods = {
    getTwoFactor: (userId) =>
      db.query((sql) => Option.map(Option.fromNullishOr(read(sql, userId)), (state) => EnrolmentState.enrolmentOf(userId, state)))
        .pipe(Effect.mapError(unavailable("read a two-factor enrolment"))),
    startTwoFactor: (pending) =>
      apply(pending.userId, (state) => EnrolmentState.start(state, pending)).pipe(
        Effect.mapError((failure) =>
          failure.kind === "foreignKey" ? new UserNotFound() : unavailable("start a two-factor enrolment")(failure)
        )
      ),
    ...EnrolmentState.writesOver((userId, step) =>
      apply(userId, step).pipe(Effect.mapError(unavailable("change a two-factor enrolment"))))
  }
  return methods
})
