import { Context, Effect, Layer, Option } from "effect"
import { headerInjection } from "../../domain/headerInjection.ts"
import { type MailMessage, Mailer } from "../../ports/Mailer.ts"

/** The messages a memory Mailer accepted, newest last: what tests and the demo read links from. */
export class Outbox extends Context.Service<Outbox, {
  readonly all: Effect.Effect<ReadonlyArray<MailMessage>>
  readonly latestTo: (to: string) => Effect.Effect<Option.Option<MailMessage>>
}>()("authfx/memory/Outbox") {}

/**
 * A Mailer that keeps what it sends. `onSend` lets the demo print the link on the console when no SMTP
 * server is configured.
 */
export const make = (options?: { readonly onSend?: (message: MailMessage) => void }) =>
  Effect.sync(() => {
    const sent: Array<MailMessage> = []
    const mailer = Mailer.of({
      send: (message) => {
        const refused = headerInjection(message)
        return refused !== null ? Effect.fail(refused) : Effect.sync(() => {
          sent.push(message)
          options?.onSend?.(message)
        })
      }
    })
    const outbox = Outbox.of({
      all: Effect.sync(() => [...sent]),
      latestTo: (to) => Effect.sync(() => Option.fromNullishOr(sent.findLast((message) => message.to === to)))
    })
    return { mailer, outbox }
  })

export const layer = (options?: { readonly onSend?: (message: MailMessage) => void }): Layer.Layer<Mailer | Outbox> =>
  Layer.effectContext(
    Effect.map(make(options), ({ mailer, outbox }) => Context.make(Mailer, mailer).pipe(Context.add(Outbox, outbox)))
  )
