import { Clock, Duration, Effect, Either, Schedule } from "effect"
import type { LifecycleEvent, TimerKind } from "../core/Lifecycle.js"
import { AlertStore } from "../shell/AlertStore.js"
import { type ClaimedTimer, TimerStore } from "../shell/TimerStore.js"
import { BotSettings } from "./BotSettings.js"
import { runLifecycleEffects } from "./LifecycleEffects.js"

const EVENT_OF: Readonly<Record<TimerKind, LifecycleEvent>> = {
  auto_contact: { _tag: "AutoContactDue" },
  renotify: { _tag: "RenotifyDue" },
  expire: { _tag: "Expire" },
}

/** How long a claimed timer stays ours; if this process dies, another takes it after this. */
const LEASE_MS = 60_000
const BATCH = 50

/** Fire one timer: apply its event, run the effects, then mark it done. Refusals are done too. */
const fire = (timer: ClaimedTimer) =>
  Effect.gen(function* () {
    const store = yield* AlertStore
    const timers = yield* TimerStore
    const applied = yield* store.apply(timer.alertId, EVENT_OF[timer.kind]).pipe(Effect.either)
    if (Either.isRight(applied)) {
      yield* runLifecycleEffects(applied.right.alert, applied.right.effects)
    } else if (applied.left._tag !== "EventRejected" && applied.left._tag !== "AlertNotFound") {
      // Left leased: it comes back after the lease instead of being lost.
      return yield* Effect.logError(`timer ${timer.kind} of ${timer.alertId} failed: ${applied.left.message}`)
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
export const TimersLive = Effect.gen(function* () {
  const settings = yield* BotSettings
  yield* fireDueTimers.pipe(
    Effect.catchAllCause((cause) => Effect.logError("timer poll failed", cause)),
    Effect.repeat(Schedule.spaced(Duration.millis(settings.timerPollMs))),
    Effect.forkScoped,
  )
})
