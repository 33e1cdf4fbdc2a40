/** A load from the database, begun before its query was sent (see `NotifiedCache.begin`). */
export interface LoadTicket {
  readonly generation: number
  readonly version: number
}

/**
 * A bounded map of rows read from PostgreSQL, kept true by change notifications (PostgresChanges): a change
 * drops the key, a reset drops everything. A value is cached only when the read that produced it began after
 * the last change of its key: a read can answer the row as it was and come back after the change's
 * notification was handled, and caching it then would keep the old row for good.
 */
export interface NotifiedCache<V> {
  /** The cached value, or undefined when the key is not cached. */
  readonly peek: (key: string) => V | undefined
  /** Call before sending the query whose answer `finish` will cache. */
  readonly begin: () => LoadTicket
  /** Caches what the load read (keys changed since `begin` are left out), and ends the load. */
  readonly finish: (ticket: LoadTicket, read: Iterable<readonly [string, V]>) => void
  /** Drops one key (a change notification, or this node's own write). */
  readonly invalidate: (key: string) => void
  /** Drops every key for which `drop` holds. */
  readonly invalidateWhere: (drop: (value: V) => boolean) => void
  /** Drops everything, and every load in flight is not cached. */
  readonly reset: () => void
  readonly size: () => number
}

export const makeNotifiedCache = <V>(maxEntries: number): NotifiedCache<V> => {
  const entries = new Map<string, V>()
  // The version at which each key last changed, kept only while loads are in flight (they are what it guards).
  const changedAt = new Map<string, number>()
  let version = 0
  let generation = 0
  let inFlight = 0

  const reset = () => {
    entries.clear()
    changedAt.clear()
    generation++
  }
  const changed = (key: string) => {
    entries.delete(key)
    if (inFlight > 0) changedAt.set(key, ++version)
    // Under a flood of changes with loads always in flight, forgetting them all is cheaper than remembering.
    if (changedAt.size > 10_000) reset()
  }

  return {
    peek: (key) => entries.get(key),
    begin: () => {
      inFlight++
      return { generation, version }
    },
    finish: (ticket, read) => {
      inFlight--
      if (ticket.generation === generation) {
        for (const [key, value] of read) {
          if ((changedAt.get(key) ?? -1) > ticket.version) continue
          // Oldest out first: a Map iterates in insertion order, and a refreshed key is re-inserted.
          entries.delete(key)
          if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!)
          entries.set(key, value)
        }
      }
      if (inFlight === 0) changedAt.clear()
    },
    invalidate: changed,
    invalidateWhere: (drop) => {
      for (const [key, value] of entries) if (drop(value)) changed(key)
      // A load in flight may bring back a value that matches; none is cached.
      if (inFlight > 0) generation++
    },
    reset,
    size: () => entries.size
  }
}
