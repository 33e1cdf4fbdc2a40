import type { Session } from "./AuthClient.ts"

/**
 * What one tab tells the others: the session it now knows (`s`), and when it was true (`t`, ms since the
 * epoch, the same clock in every tab of a browser). The session itself travels, so a tab that hears it has
 * nothing to fetch: one request per change, however many tabs are open.
 */
export interface TabMessage {
  readonly s: Session | null
  readonly t: number
}

const hasChannel = () => typeof BroadcastChannel == "function"

/**
 * Tells every other tab and window of this origin (and every other client on this page). Without
 * BroadcastChannel, a `storage` event carries it: the entry is removed as soon as it is written, so the
 * session is never left behind in localStorage.
 */
export const postToTabs = (name: string, message: TabMessage): void => {
  try {
    if (hasChannel()) {
      const channel = new BroadcastChannel(name)
      channel.postMessage(message)
      channel.close()
    } else {
      localStorage.setItem(name, JSON.stringify(message))
      localStorage.removeItem(name)
    }
  } catch {
    // Storage may be disabled or full: the other tabs then learn on their next focus or keep-alive.
  }
}

/** Listens to the other tabs until the returned function is called. */
export const listenToTabs = (name: string, hear: (message: TabMessage) => void): () => void => {
  if (hasChannel()) {
    const channel = new BroadcastChannel(name)
    channel.onmessage = (event: MessageEvent<TabMessage>) => hear(event.data)
    return () => channel.close()
  }
  const onStorage = (event: StorageEvent) => {
    if (event.key === name && event.newValue) hear(JSON.parse(event.newValue) as TabMessage)
  }
  addEventListener("storage", onStorage)
  return () => removeEventListener("storage", onStorage)
}
