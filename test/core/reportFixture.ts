/**
 * A small, hand-checked week of alerts (2026-01-05 … 2026-01-11, UTC) for the summary and report
 * tests. Every figure the tests assert can be worked out from the specs below.
 */
import { Either, Schema } from "effect"
import { type Alert, AlertId } from "../../src/core/Alert.js"
import { type DailyAggregate, empty, merge, recompute } from "../../src/core/DailyAggregate.js"
import {
  createAlert,
  type LifecycleEvent,
  type LifecyclePolicy,
  transition,
} from "../../src/core/Lifecycle.js"
import type { AlertSeverity } from "../../src/core/Severity.js"
import type { DayAggregate } from "../../src/core/WeeklySummary.js"

export const U1 = "900000000000000001"
export const U2 = "500000000000000002"
export const U3 = "100000000000000003"

const policy: LifecyclePolicy = {
  autoContactDelayMs: { medium: null, high: 180_000, critical: 120_000 },
  renotifyAfterMs: null,
  expireAfterMs: 24 * 3_600_000,
}

export interface Spec {
  readonly n: number
  readonly day: string
  readonly hour: number
  readonly severity: AlertSeverity
  readonly escalated?: boolean
  /** Events with their time in ms after the alert was posted. */
  readonly events: ReadonlyArray<readonly [number, LifecycleEvent]>
}

/** Builds an alert through the real lifecycle; a rejected event is a mistake in the fixture. */
export const alertOf = (spec: Spec): Alert => {
  const createdAt = Date.parse(`${spec.day}T${String(spec.hour).padStart(2, "0")}:10:00Z`)
  let alert = createAlert(
    {
      id: Schema.decodeSync(AlertId)(`alert_${spec.n.toString(16).padStart(12, "0")}`),
      origin: {
        guildId: "1",
        memberId: "2",
        sourceChannelId: "3",
        sourceMessageId: "4",
        alertChannelId: "5",
        alertMessageId: "6",
      },
      severity: spec.severity,
      escalated: spec.escalated ?? false,
      channelSensitivity: 1,
      crisisScore: 0.9,
      messageAt: createdAt - 2_000,
      createdAt,
      day: spec.day,
      hour: spec.hour,
      optedOut: false,
    },
    policy,
  ).alert
  for (const [at, event] of spec.events) {
    const next = transition(alert, event, createdAt + at)
    if (Either.isLeft(next)) throw new Error(`fixture ${spec.n}: ${event._tag} rejected: ${next.left._tag}`)
    alert = next.right.alert
  }
  return alert
}

const manualAsh = (at: number, by: string): ReadonlyArray<readonly [number, LifecycleEvent]> => [
  [at, { _tag: "RequestAshContact", by }],
  [at, { _tag: "AshContactMade", via: "dm", threadId: null }],
]

export const WEEK_ALERTS: ReadonlyArray<Alert> = [
  // Monday 14:xx, critical: ack 60 s, Ash 90 s (manual), first response 5 min by U2, resolved.
  alertOf({
    n: 1,
    day: "2026-01-05",
    hour: 14,
    severity: "critical",
    events: [
      [60_000, { _tag: "Acknowledge", by: U1 }],
      ...manualAsh(90_000, U1),
      [300_000, { _tag: "FirstResponse", by: U2, detection: "thread_message" }],
      [3_600_000, { _tag: "Resolve", by: U2 }],
    ],
  }),
  // Monday 14:xx, high: ack 2 min, first response 10 min, both by U1, resolved.
  alertOf({
    n: 2,
    day: "2026-01-05",
    hour: 14,
    severity: "high",
    events: [
      [120_000, { _tag: "Acknowledge", by: U1 }],
      [600_000, { _tag: "FirstResponse", by: U1, detection: "self_reported" }],
      [700_000, { _tag: "Resolve", by: U1 }],
    ],
  }),
  // Tuesday 09:xx, medium: nobody answered; expired after 24 h.
  alertOf({
    n: 3,
    day: "2026-01-06",
    hour: 9,
    severity: "medium",
    events: [[86_400_000, { _tag: "Expire" }]],
  }),
  // Tuesday 09:xx, high, escalated: Ash reached out automatically at 3 min, U3 acknowledged at 200 s.
  alertOf({
    n: 4,
    day: "2026-01-06",
    hour: 9,
    severity: "high",
    escalated: true,
    events: [
      [180_000, { _tag: "AutoContactDue" }],
      [180_000, { _tag: "AshContactMade", via: "thread", threadId: "1400000000000000001" }],
      [200_000, { _tag: "Acknowledge", by: U3 }],
    ],
  }),
]

/** The previous week: two acknowledged alerts (2.5 min and 3.5 min, average 3 min). */
export const PREVIOUS_ALERTS: ReadonlyArray<Alert> = [
  alertOf({
    n: 5,
    day: "2025-12-30",
    hour: 3,
    severity: "high",
    events: [[150_000, { _tag: "Acknowledge", by: U2 }]],
  }),
  alertOf({
    n: 6,
    day: "2025-12-31",
    hour: 4,
    severity: "high",
    events: [[210_000, { _tag: "Acknowledge", by: U2 }]],
  }),
]

export const WEEK_DAYS = [
  "2026-01-05",
  "2026-01-06",
  "2026-01-07",
  "2026-01-08",
  "2026-01-09",
  "2026-01-10",
  "2026-01-11",
] as const

/** The seven days as the shell passes them: `empty` where a day has no hash. */
export const daysOf = (alerts: ReadonlyArray<Alert>): readonly [DayAggregate, ...Array<DayAggregate>] => {
  const byDay = recompute(alerts)
  const [first, ...rest] = WEEK_DAYS
  const entry = (day: string): DayAggregate => ({ day, aggregate: byDay.get(day) ?? empty })
  return [entry(first), ...rest.map(entry)]
}

/** Several days merged into one aggregate (the previous week). */
export const mergedOf = (alerts: ReadonlyArray<Alert>): DailyAggregate =>
  [...recompute(alerts).values()].reduce(merge, empty)
