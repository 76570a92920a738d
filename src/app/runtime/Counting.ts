import { Clock, Effect } from "effect"
import { calendarOf } from "../../core/Calendar.js"
import { type IntakeCounter, IntakeCounters } from "../../shell/IntakeCounters.js"
import { BotSettings } from "./BotSettings.js"

/** Count a loss on today's intake counters; a counter that cannot be written is logged, never fatal. */
export const countIntake = (counter: IntakeCounter, by = 1) =>
  Effect.gen(function* () {
    if (by <= 0) return
    const settings = yield* BotSettings
    const counters = yield* IntakeCounters
    const { day } = calendarOf(yield* Clock.currentTimeMillis, settings.metricsTimeZone)
    yield* counters.count(day, counter, by)
  }).pipe(Effect.catchAll((e) => Effect.logWarning(`${counter} +${by} not counted: ${e.message}`)))
