import { Either } from "effect"
import type { Alert } from "../src/core/Alert.js"
import { addDays } from "../src/core/Calendar.js"
import { empty, merge, recompute } from "../src/core/DailyAggregate.js"
import { createAlert, type LifecycleEvent, transition } from "../src/core/Lifecycle.js"
import { type DayAggregate, summarize } from "../src/core/WeeklySummary.js"
import { policy } from "../test/support/alerts.js"
import { prng, randomNewAlerts } from "../test/support/randomAlerts.js"
import { type Figures, medianMs, round } from "./Figures.js"

const LIFECYCLE: ReadonlyArray<readonly [LifecycleEvent, number]> = [
  [{ _tag: "Acknowledge", by: "crt-1" }, 60_000],
  [{ _tag: "RequestAshContact", by: "crt-1" }, 90_000],
  [{ _tag: "AshContactMade", via: "dm", threadId: null }, 95_000],
  [{ _tag: "FirstResponse", by: "crt-2", detection: "thread_message" }, 300_000],
  [{ _tag: "Resolve", by: "crt-2" }, 900_000],
]

/** Transitions per second over whole lifecycles (five events each). */
const transitionsPerSec = (alerts: ReadonlyArray<Alert>): number => {
  const rounds = 40
  const ms = medianMs(5, () => {
    for (let r = 0; r < rounds; r++) {
      for (const start of alerts) {
        let alert = start
        for (const [event, offset] of LIFECYCLE) {
          const next = transition(alert, event, alert.createdAt + offset)
          if (Either.isRight(next)) alert = next.right.alert
        }
      }
    }
  })
  return (rounds * alerts.length * LIFECYCLE.length) / (ms / 1_000)
}

/** Alerts of a whole fortnight run through their lifecycles, as daily aggregates. */
export const fortnightOfAggregates = (alertCount: number) => {
  const random = prng(alertCount)
  const alerts = randomNewAlerts(alertCount, random, 0, 14).map((n) => {
    let alert = createAlert(n, policy).alert
    for (const [event, offset] of LIFECYCLE) {
      if (random() < 0.3) break
      const next = transition(alert, event, alert.createdAt + offset + Math.floor(random() * 600_000))
      if (Either.isRight(next)) alert = next.right.alert
    }
    return alert
  })
  const byDay = recompute(alerts)
  const days = [...byDay.keys()].sort()
  const first = days[0] ?? "2025-10-09"
  const all: Array<DayAggregate> = Array.from({ length: 14 }, (_, i) => {
    const day = addDays(first, i)
    return { day, aggregate: byDay.get(day) ?? empty }
  })
  return all
}

export const TARGETS = { acknowledge: 300_000, ash_contact: 600_000, first_response: 900_000 }

/** The weekly summary from 14 daily aggregates (this week and the one before). */
export const summaryFrom = (all: ReadonlyArray<DayAggregate>) => {
  const [head, ...rest] = all.slice(7)
  if (head === undefined) throw new Error("14 days expected")
  return summarize({
    days: [head, ...rest],
    previous: all.slice(0, 7).reduce((acc, d) => merge(acc, d.aggregate), empty),
    targets: TARGETS,
  })
}

export const coreBenchmarks = (): Figures => {
  const alerts = randomNewAlerts(2_000, prng(1)).map((n) => createAlert(n, policy).alert)
  const small = fortnightOfAggregates(1_000)
  const large = fortnightOfAggregates(100_000)
  const summaryMs = (days: ReadonlyArray<DayAggregate>) => medianMs(201, () => summaryFrom(days))
  return {
    "core.transitions_per_sec": { value: Math.round(transitionsPerSec(alerts)), unit: "transitions/s" },
    "core.summary_ms_1k_alerts": { value: round(summaryMs(small)), unit: "ms" },
    "core.summary_ms_100k_alerts": { value: round(summaryMs(large)), unit: "ms" },
  }
}
