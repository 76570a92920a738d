/** Alert timers: auto-contact, re-notify and expiry, fired once each across every process. */
import { Clock, Duration, Effect, Either, Layer, Schedule } from "effect"
import { TIMER_EVENTS } from "../../core/Lifecycle.js"
import { type ClaimedTimer, TimerStore } from "../../shell/TimerStore.js"
import { AlertLifecycle } from "../alerts/AlertLifecycle.js"
import { BotSettings } from "../runtime/BotSettings.js"

/** How long a claimed timer stays ours; if this process dies, another takes it after this. */
const LEASE_MS = 60_000
const BATCH = 50

/** Fire one timer: apply its event (effects included), then mark it done. Refusals are done too. */
const fire = (timer: ClaimedTimer) =>
  Effect.gen(function* () {
    const lifecycle = yield* AlertLifecycle
    const timers = yield* TimerStore
    const applied = yield* lifecycle.apply(timer.alertId, TIMER_EVENTS[timer.kind]).pipe(Effect.either)
    if (Either.isLeft(applied)) {
      const refused = applied.left._tag === "EventRejected" || applied.left._tag === "AlertNotFound"
      // Anything else leaves it leased: it comes back after the lease instead of being lost.
      if (!refused)
        return yield* Effect.logError(
          `timer ${timer.kind} of ${timer.alertId} failed: ${applied.left.message}`,
        )
    }
    yield* timers.complete(timer)
  }).pipe(
    Effect.catchAllCause((cause) => Effect.logError(`timer ${timer.kind} of ${timer.alertId} failed`, cause)),
  )

/** Claim and fire every due timer once; overdue timers (after downtime) fire on the first pass. */
export const fireDueTimers = Effect.gen(function* () {
  const timers = yield* TimerStore
  for (;;) {
    const now = yield* Clock.currentTimeMillis
    const due = yield* timers.claimDue(now, BATCH, LEASE_MS)
    yield* Effect.forEach(due, fire, { concurrency: 8, discard: true })
    if (due.length < BATCH) return
  }
})

/** Poll the shared timer set for as long as the bot runs. */
export const Timers = {
  Live: Layer.scopedDiscard(
    Effect.gen(function* () {
      const settings = yield* BotSettings
      if (settings.timerPollMs > 1_000)
        yield* Effect.logWarning(
          `BOT_TIMER_POLL_MS=${settings.timerPollMs}: alert timers (automatic contact, re-notify, expiry) may fire up to ${settings.timerPollMs} ms late; the default is 250`,
        )
      yield* fireDueTimers.pipe(
        Effect.catchAllCause((cause) => Effect.logError("timer poll failed", cause)),
        Effect.repeat(Schedule.spaced(Duration.millis(settings.timerPollMs))),
        Effect.forkScoped,
      )
    }),
  ),
}
