import { Context, Effect, Layer, Option } from "effect"
import { headerInjection } from "../../domain/headerInjection.ts"
import { type MailMessage, Mailer } from "../../ports/Mailer.ts"

/**
 * The messages a memory Mailer accepted, newest last: what tests and the demo read links from. It holds the
 * newest `outboxSize` only (older ones are forgotten as new ones arrive), so a flood of sign-in requests cannot
 * grow it without limit; `accepted` still counts every message.
 */
export class Outbox extends Context.Service<Outbox, {
  readonly all: Effect.Effect<ReadonlyArray<MailMessage>>
  readonly latestTo: (to: string) => Effect.Effect<Option.Option<MailMessage>>
  /** How many messages the mailer accepted since it was made, those forgotten included. */
  readonly accepted: Effect.Effect<number>
}>()("authfx/memory/Outbox") {}

/** How many messages the outbox keeps when `outboxSize` is not given. */
export const defaultOutboxSize = 100

export interface Options {
  /** Called with each message as it is accepted (the demo prints the link when no SMTP server is configured). */
  readonly onSend?: (message: MailMessage) => void
  /** How many of the newest messages the outbox keeps: a whole number, at least 1. Default 100. */
  readonly outboxSize?: number
}

/**
 * A Mailer that keeps what it sends, the newest `outboxSize` messages. `onSend` lets the demo print the link on
 * the console when no SMTP server is configured.
 */
export const make = (options?: Options) =>
  Effect.suspend(() => {
    const size = options?.outboxSize ?? defaultOutboxSize
    if (!Number.isSafeInteger(size) || size < 1) {
      return Effect.die(new RangeError("MemoryMailer: outboxSize must be a whole number, at least 1"))
    }
    const sent: Array<MailMessage> = []
    let accepted = 0
    const mailer = Mailer.of({
      send: (message) => {
        const refused = headerInjection(message)
        return refused !== null ? Effect.fail(refused) : Effect.sync(() => {
          sent.push(message)
          // One over at most: drop the oldest. (At 100 entries a shift is cheaper than a ring's bookkeeping.)
          if (sent.length > size) sent.shift()
          accepted++
          options?.onSend?.(message)
        })
      }
    })
    const outbox = Outbox.of({
      all: Effect.sync(() => [...sent]),
      latestTo: (to) => Effect.sync(() => Option.fromNullishOr(sent.findLast((message) => message.to === to))),
      accepted: Effect.sync(() => accepted)
    })
    return Effect.succeed({ mailer, outbox })
  })

export const layer = (options?: Options): Layer.Layer<Mailer | Outbox> =>
  Layer.effectContext(
    Effect.map(make(options), ({ mailer, outbox }) => Context.make(Mailer, mailer).pipe(Context.add(Outbox, outbox)))
  )
