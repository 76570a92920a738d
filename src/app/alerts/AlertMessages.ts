/**
 * Bringing posted alerts up to date, in order. Transitions of one alert can finish close together
 * (two CRT members pressing at once); each edit renders the newest state this process has seen,
 * and the edits of one alert go out one at a time, so the message never ends up showing an older
 * state than one already stored.
 */
import { Effect } from "effect"
import type { Alert, AlertId } from "../../core/Alert.js"

/** How many alerts' newest states are remembered; the oldest are forgotten first. */
const REMEMBERED = 10_000

export const makeAlertMessages = () => {
  const newest = new Map<AlertId, Alert>()
  const rendered = new Map<AlertId, number>()
  const locks = new Map<AlertId, { readonly lock: Effect.Semaphore; users: number }>()

  const remember = (alert: Alert): void => {
    const known = newest.get(alert.id)
    if (known !== undefined && known.version >= alert.version) return
    newest.delete(alert.id)
    newest.set(alert.id, alert)
    if (newest.size > REMEMBERED) {
      const oldest = newest.keys().next()
      if (oldest.done !== true) {
        newest.delete(oldest.value)
        rendered.delete(oldest.value)
      }
    }
  }

  /** Runs `render` for the newest known state of the alert, one at a time per alert; skips a state already shown. */
  const update = <E, R>(alert: Alert, render: (current: Alert) => Effect.Effect<void, E, R>) =>
    Effect.suspend(() => {
      remember(alert)
      const entry = locks.get(alert.id) ?? { lock: Effect.unsafeMakeSemaphore(1), users: 0 }
      locks.set(alert.id, entry)
      entry.users += 1
      const once = Effect.suspend(() => {
        const current = newest.get(alert.id) ?? alert
        if ((rendered.get(alert.id) ?? -1) >= current.version) return Effect.void
        return Effect.tap(render(current), () => Effect.sync(() => rendered.set(alert.id, current.version)))
      })
      return entry.lock
        .withPermits(1)(once)
        .pipe(
          Effect.ensuring(
            Effect.sync(() => {
              entry.users -= 1
              if (entry.users === 0) locks.delete(alert.id)
            }),
          ),
        )
    })

  return { remember, update }
}
