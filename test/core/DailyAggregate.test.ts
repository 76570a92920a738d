import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc, Schema } from "effect"
import { type Alert, AlertId } from "../../src/core/Alert.js"
import {
  type AggregateDelta,
  applyDelta,
  contributionOf,
  countOf,
  type DailyAggregate,
  deltaBetween,
  empty,
  FIELD,
  fromFields,
  merge,
  recompute,
  toFields,
} from "../../src/core/DailyAggregate.js"
import {
  createAlert,
  type LifecycleEvent,
  type LifecyclePolicy,
  transition,
} from "../../src/core/Lifecycle.js"
import { aggregateArb, alertHistoryArb, alertsArb } from "../support/lifecycle.js"
import { runs } from "../support/properties.js"

const RUNS = runs(250)

const T0 = 1_767_312_000_000 // 2026-01-02T00:00:00Z
const policy: LifecyclePolicy = {
  autoContactDelayMs: { medium: null, high: 180_000, critical: 120_000 },
  renotifyAfterMs: 600_000,
  expireAfterMs: 24 * 3_600_000,
}

/** Runs events (each with its time after creation) and returns every accepted state. */
const lifecycle = (
  events: ReadonlyArray<readonly [LifecycleEvent, number]>,
): readonly [Alert, ...Array<Alert>] => {
  let alert = createAlert(
    {
      id: Schema.decodeSync(AlertId)("alert_00000000abcd"),
      origin: {
        guildId: "1",
        memberId: "2",
        sourceChannelId: "3",
        sourceMessageId: "4",
        alertChannelId: "5",
        alertMessageId: "6",
      },
      severity: "high",
      escalated: true,
      channelSensitivity: 1,
      crisisScore: 0.9,
      messageAt: T0 - 1_500,
      createdAt: T0,
      day: "2026-01-02",
      hour: 14,
      optedOut: false,
    },
    policy,
  ).alert
  const states: [Alert, ...Array<Alert>] = [alert]
  for (const [event, at] of events) {
    const next = transition(alert, event, T0 + at)
    if (Either.isRight(next)) {
      alert = next.right.alert
      states.push(alert)
    }
  }
  return states
}

const last = (states: readonly [Alert, ...Array<Alert>]): Alert => states[states.length - 1] ?? states[0]

const ACKER = "111111111111111111"
const RESPONDER = "222222222222222222"

const handled = lifecycle([
  [{ _tag: "Acknowledge", by: ACKER }, 80_000],
  [{ _tag: "RequestAshContact", by: ACKER }, 90_000],
  [{ _tag: "AshContactMade", via: "dm", threadId: null }, 95_000],
  [{ _tag: "FirstResponse", by: RESPONDER, detection: "thread_message" }, 360_000],
  [{ _tag: "Resolve", by: RESPONDER }, 3_600_000],
])

const strings = (fields: Record<string, number>): Record<string, string> =>
  Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, String(v)]))

const apply = (fields: Record<string, number>, delta: AggregateDelta) => applyDelta(fields, delta)

describe("contributionOf and the flat fields", () => {
  it("counts a handled alert once, with every milestone and clock", () => {
    expect(toFields(contributionOf(last(handled)))).toEqual({
      total_alerts: 1,
      severity_high: 1,
      escalated_count: 1,
      hour_14: 1,
      acknowledged_count: 1,
      ash_sessions_count: 1,
      ash_manual_count: 1,
      responded_count: 1,
      resolved_count: 1,
      acknowledge_count: 1,
      acknowledge_sum_ms: 80_000,
      acknowledge_min_ms: 80_000,
      acknowledge_max_ms: 80_000,
      acknowledge_bucket_13: 1,
      acknowledge_hour_14_bucket_13: 1,
      ash_contact_count: 1,
      ash_contact_sum_ms: 95_000,
      ash_contact_min_ms: 95_000,
      ash_contact_max_ms: 95_000,
      ash_contact_bucket_14: 1,
      first_response_count: 1,
      first_response_sum_ms: 360_000,
      first_response_min_ms: 360_000,
      first_response_max_ms: 360_000,
      first_response_bucket_17: 1,
      alert_latency_count: 1,
      alert_latency_sum_ms: 1_500,
      alert_latency_min_ms: 1_500,
      alert_latency_max_ms: 1_500,
      alert_latency_bucket_02: 1,
      [`responder_ack:${ACKER}`]: 1,
      [`responder_first_response:${RESPONDER}`]: 1,
    })
  })

  it("counts an expired alert nobody answered as unanswered, with auto contact and a failure", () => {
    const states = lifecycle([
      [{ _tag: "AutoContactDue" }, 180_000],
      [{ _tag: "AshContactFailed", reason: "DMs closed" }, 181_000],
      [{ _tag: "AutoContactDue" }, 182_000],
      [{ _tag: "AshContactMade", via: "thread", threadId: "1400000000000000001" }, 183_000],
      [{ _tag: "Expire" }, 24 * 3_600_000],
    ])
    const fields = toFields(contributionOf(last(states)))
    expect(fields[FIELD.counter("expired")]).toBe(1)
    expect(fields[FIELD.counter("unanswered")]).toBe(1)
    expect(fields[FIELD.counter("ashAuto")]).toBe(1)
    expect(fields[FIELD.counter("ashManual")]).toBeUndefined()
    expect(fields[FIELD.counter("contactFailed")]).toBe(1)
    expect(fields[FIELD.clockSum("ash_contact")]).toBe(183_000)
    expect(fields[FIELD.counter("acknowledged")]).toBeUndefined()
  })

  it("keeps a 0 ms minimum (a skewed acknowledgement) as a real value", () => {
    const states = lifecycle([[{ _tag: "Acknowledge", by: ACKER }, -2_000]])
    const fields = toFields(contributionOf(last(states)))
    expect(fields[FIELD.clockMin("acknowledge")]).toBe(0)
    expect(fields[FIELD.clockBucket("acknowledge", 0)]).toBe(1)
  })
})

describe("fromFields", () => {
  it("decodes the empty hash to empty", () => {
    const decoded = fromFields({})
    expect(Either.isRight(decoded) && decoded.right).toEqual(empty)
  })

  it("rejects an unknown field, naming it", () => {
    const result = fromFields({ total_alerts: "1", avg_acknowledge_seconds: "3" })
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) {
      expect(result.left).toMatchObject({ field: "avg_acknowledge_seconds", reason: "unknown_field" })
    }
  })

  it.each(["1.5", "-1", "abc", "", "1e3", "9999999999999999"])("rejects the value %j", (value) => {
    const result = fromFields({ total_alerts: value })
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) {
      expect(result.left).toMatchObject({ field: "total_alerts", value, reason: "not_a_count" })
      expect(result.left.message).toContain("total_alerts")
    }
  })

  it("rejects a clock whose histogram or min/max disagree with its count", () => {
    const count = fromFields({ acknowledge_count: "2", acknowledge_bucket_03: "1" })
    const noMin = fromFields({ acknowledge_count: "1", acknowledge_bucket_03: "1", acknowledge_max_ms: "3" })
    for (const r of [count, noMin]) {
      expect(
        Either.isLeft(r) && r.left.reason === "inconsistent" && r.left.field === "acknowledge_count",
      ).toBe(true)
    }
  })

  it.prop(
    "round-trips toFields with string values",
    [aggregateArb],
    ([agg]) => {
      const decoded = fromFields(strings(toFields(agg)))
      expect(Either.isRight(decoded) && decoded.right).toEqual(agg)
    },
    RUNS,
  )
})

describe("merge", () => {
  it.prop(
    "is associative",
    [aggregateArb, aggregateArb, aggregateArb],
    ([a, b, c]) => {
      expect(merge(merge(a, b), c)).toEqual(merge(a, merge(b, c)))
    },
    RUNS,
  )

  it.prop(
    "is commutative",
    [aggregateArb, aggregateArb],
    ([a, b]) => {
      expect(merge(a, b)).toEqual(merge(b, a))
    },
    RUNS,
  )

  it.prop(
    "has empty as identity",
    [aggregateArb],
    ([a]) => {
      expect(merge(a, empty)).toEqual(a)
      expect(merge(empty, a)).toEqual(a)
    },
    RUNS,
  )

  it.prop(
    "of recompute over any split of the alerts equals recompute of all",
    [
      alertsArb(30).chain((alerts) =>
        fc.tuple(
          fc.constant(alerts),
          fc.array(fc.nat(3), { minLength: alerts.length, maxLength: alerts.length }),
        ),
      ),
    ],
    ([[alerts, groups]]) => {
      const parts = [0, 1, 2, 3].map((g) => recompute(alerts.filter((_, i) => groups[i] === g)))
      const merged = new Map<string, DailyAggregate>()
      for (const part of parts) {
        for (const [day, agg] of part) merged.set(day, merge(merged.get(day) ?? empty, agg))
      }
      expect(merged).toEqual(recompute(alerts))
    },
    RUNS,
  )
})

describe("deltaBetween", () => {
  it("counts the alert at creation and each milestone once", () => {
    const [created, acked] = handled
    if (created === undefined || acked === undefined) return
    expect(deltaBetween(null, created)).toEqual({
      incr: {
        total_alerts: 1,
        severity_high: 1,
        escalated_count: 1,
        hour_14: 1,
        alert_latency_count: 1,
        alert_latency_sum_ms: 1_500,
        alert_latency_bucket_02: 1,
      },
      min: { alert_latency_min_ms: 1_500 },
      max: { alert_latency_max_ms: 1_500 },
    })
    expect(deltaBetween(created, acked)).toEqual({
      incr: {
        acknowledged_count: 1,
        acknowledge_count: 1,
        acknowledge_sum_ms: 80_000,
        acknowledge_bucket_13: 1,
        acknowledge_hour_14_bucket_13: 1,
        [`responder_ack:${ACKER}`]: 1,
      },
      min: { acknowledge_min_ms: 80_000 },
      max: { acknowledge_max_ms: 80_000 },
    })
    expect(deltaBetween(acked, acked)).toEqual({ incr: {}, min: {}, max: {} })
  })

  it.prop(
    "only ever increments, and by positive amounts",
    [alertHistoryArb],
    ([history]) => {
      history.slice(1).forEach((after, i) => {
        const delta = deltaBetween(history[i] ?? null, after)
        for (const v of Object.values(delta.incr)) expect(v).toBeGreaterThan(0)
      })
    },
    RUNS,
  )

  it.prop(
    "applied step by step over lifecycles equals toFields(recompute) of the final alerts",
    [fc.array(alertHistoryArb, { maxLength: 25 })],
    ([histories]) => {
      const steps = histories.flatMap((h) =>
        h.map((after, i) => ({ day: after.day, delta: deltaBetween(h[i - 1] ?? null, after) })),
      )
      // HINCRBY, min and max commute, so the order across alerts (or processes) does not matter.
      for (const order of [steps, [...steps].reverse()]) {
        const days = new Map<string, Record<string, number>>()
        for (const s of order) days.set(s.day, apply(days.get(s.day) ?? {}, s.delta))
        const expected = recompute(histories.map((h) => h[h.length - 1] ?? h[0]))
        expect(new Map([...days].map(([d, f]) => [d, f]))).toEqual(
          new Map([...expected].map(([d, agg]) => [d, toFields(agg)])),
        )
      }
    },
    RUNS,
  )
})

describe("the hour of day", () => {
  const [first] = lifecycle([])

  it.each([24, -1, 1.5, Number.NaN])(
    "an alert whose hour is %s counts in no hour, but still counts",
    (hour) => {
      const alert: Alert = { ...first, hour }
      const agg = contributionOf(alert)
      expect(agg.hours.every((n) => n === 0)).toBe(true)
      expect(countOf(agg, "totalAlerts")).toBe(1)
      expect(Object.keys(deltaBetween(null, alert).incr).some((f) => f.startsWith("hour_"))).toBe(false)
    },
  )

  it("hours 0 and 23 are the first and last of the day", () => {
    expect(contributionOf({ ...first, hour: 0 }).hours[0]).toBe(1)
    expect(contributionOf({ ...first, hour: 23 }).hours[23]).toBe(1)
    expect(deltaBetween(null, { ...first, hour: 23 }).incr.hour_23).toBe(1)
  })
})

describe("deltaBetween two unrelated alerts", () => {
  it("takes away what only the first contributed, so the sums stay exact", () => {
    const [created, acked] = handled
    if (created === undefined || acked === undefined) return
    const other: Alert = {
      ...created,
      severity: "critical",
      escalated: false,
      hour: 3,
      messageAt: created.messageAt - 2_000,
    }
    const delta = deltaBetween(acked, other)
    expect(delta.incr).toMatchObject({
      severity_high: -1,
      severity_critical: 1,
      escalated_count: -1,
      hour_14: -1,
      hour_03: 1,
      acknowledged_count: -1,
      acknowledge_count: -1,
      acknowledge_sum_ms: -80_000,
      [`responder_ack:${ACKER}`]: -1,
    })
    // Counters and sums come out exact; a minimum or maximum, once written, is never taken back.
    const sums = (fields: Record<string, number>) =>
      Object.fromEntries(Object.entries(fields).filter(([f]) => !/_(min|max)_ms$/.test(f)))
    expect(sums(applyDelta(toFields(contributionOf(acked)), delta))).toEqual(
      sums(toFields(contributionOf(other))),
    )
    expect(Object.keys(delta.incr).filter((f) => /_(min|max)_ms$/.test(f))).toEqual([])
    expect(delta.incr.alert_latency_sum_ms).toBe(2_000)
  })
})
