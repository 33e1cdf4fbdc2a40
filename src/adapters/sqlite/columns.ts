import { InvalidRow, type Row } from "./SqliteDatabase.ts"

/**
 * Typed reads of one column. They run inside `SqliteDatabase.query`, where the `InvalidRow` they throw
 * becomes a store failure naming the column, never the value.
 */

export const text = (row: Row, column: string): string => {
  const value = row[column]
  if (typeof value !== "string") throw new InvalidRow({ column })
  return value
}

export const textOrNull = (row: Row, column: string): string | null => (row[column] === null ? null : text(row, column))

export const integer = (row: Row, column: string): number => {
  const value = row[column]
  if (typeof value !== "number" || !Number.isSafeInteger(value)) throw new InvalidRow({ column })
  return value
}

export const integerOrNull = (row: Row, column: string): number | null =>
  row[column] === null ? null : integer(row, column)

export const date = (row: Row, column: string): Date => new Date(integer(row, column))

export const dateOrNull = (row: Row, column: string): Date | null => {
  const millis = integerOrNull(row, column)
  return millis === null ? null : new Date(millis)
}

export const blob = (row: Row, column: string): Uint8Array => {
  const value = row[column]
  if (!(value instanceof Uint8Array)) throw new InvalidRow({ column })
  return value
}

export const boolean = (row: Row, column: string): boolean => integer(row, column) !== 0

/** A text column that must also pass a guard (a branded id, a literal). */
export const checked = <A extends string>(row: Row, column: string, guard: (value: string) => value is A): A => {
  const value = text(row, column)
  if (!guard(value)) throw new InvalidRow({ column })
  return value
}

export const checkedOrNull = <A extends string>(
  row: Row,
  column: string,
  guard: (value: string) => value is A
): A | null => (row[column] === null ? null : checked(row, column, guard))
