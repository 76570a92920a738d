/**
 * The per-day aggregate of alerts (PRODUCT.md §6): what each alert contributes to its day, the
 * merge of days, the recomputation from raw records, and the per-event deltas that the store
 * applies atomically to the day's flat Redis hash (HINCRBY, min, max).
 */

import {
  addResponder,
  CLOCKS,
  type Clock,
  type ClockStats,
  COUNTERS,
  type DailyAggregate,
  type DraftClock,
  draft,
  FIELD,
  type FieldEntry,
} from "./AggregateFields.js"
import type { Alert } from "./Alert.js"
import { BUCKET_COUNT, bucketOf } from "./Histogram.js"
import { ALERT_SEVERITIES } from "./Severity.js"

export {
  AggregateDecodeError,
  CLOCKS,
  type Clock,
  type ClockStats,
  COUNTERS,
  type Counter,
  type DailyAggregate,
  FIELD,
  fromFields,
  type ResponderCounts,
  toFields,
} from "./AggregateFields.js"

/** The aggregate of a day without alerts; identity of `merge`. */
export const empty: DailyAggregate = draft()

const minOf = (a: number | null, b: number | null): number | null =>
  a === null ? b : b === null ? a : Math.min(a, b)
const maxOf = (a: number | null, b: number | null): number | null =>
  a === null ? b : b === null ? a : Math.max(a, b)

const addSample = (clock: DraftClock, ms: number): void => {
  clock.count += 1
  clock.sumMs += ms
  clock.minMs = minOf(clock.minMs, ms)
  clock.maxMs = maxOf(clock.maxMs, ms)
  const b = bucketOf(ms)
  clock.buckets[b] = (clock.buckets[b] ?? 0) + 1
}

// ---------------------------------------------------------------------------------------------
// Building and merging
// ---------------------------------------------------------------------------------------------

/** What one alert, in its current state, contributes to its day (`alert.day`). */
export const contributionOf = (alert: Alert): DailyAggregate => {
  const d = draft()
  const m = alert.milestones
  d.counts.totalAlerts = 1
  d.severity[alert.severity] = 1
  if (Number.isInteger(alert.hour) && alert.hour >= 0 && alert.hour < 24) d.hours[alert.hour] = 1
  if (alert.escalated) d.counts.escalated = 1
  if (alert.optedOut) d.counts.optedOut = 1
  if (alert.contactFailures > 0) d.counts.contactFailed = 1
  if (m.acknowledged !== null) {
    d.counts.acknowledged = 1
    addResponder(d, m.acknowledged.by, 1, 0)
    addSample(d.clocks.acknowledge, m.acknowledged.elapsedMs)
  }
  if (m.ashContacted !== null) {
    d.counts.ashContacted = 1
    if (m.ashContacted.mode === "auto") d.counts.ashAuto = 1
    else d.counts.ashManual = 1
    addSample(d.clocks.ash_contact, m.ashContacted.elapsedMs)
  }
  if (m.responded !== null) {
    d.counts.responded = 1
    addResponder(d, m.responded.by, 0, 1)
    addSample(d.clocks.first_response, m.responded.elapsedMs)
  }
  if (m.closed !== null) {
    if (m.closed.reason === "resolved") d.counts.resolved = 1
    else d.counts.expired = 1
    if (m.closed.unanswered) d.counts.unanswered = 1
  }
  addSample(d.clocks.alert_latency, Math.max(0, alert.createdAt - alert.messageAt))
  return d
}

const mergeClock = (a: ClockStats, b: ClockStats): DraftClock => ({
  count: a.count + b.count,
  sumMs: a.sumMs + b.sumMs,
  minMs: minOf(a.minMs, b.minMs),
  maxMs: maxOf(a.maxMs, b.maxMs),
  buckets: Array.from({ length: BUCKET_COUNT }, (_, i) => (a.buckets[i] ?? 0) + (b.buckets[i] ?? 0)),
})

/** The aggregate of two disjoint sets of alerts (associative, commutative, `empty` is neutral). */
export const merge = (a: DailyAggregate, b: DailyAggregate): DailyAggregate => {
  const d = draft()
  for (const k of COUNTERS) d.counts[k] = a.counts[k] + b.counts[k]
  for (const s of ALERT_SEVERITIES) d.severity[s] = a.severity[s] + b.severity[s]
  d.hours = d.hours.map((_, h) => (a.hours[h] ?? 0) + (b.hours[h] ?? 0))
  for (const c of CLOCKS) d.clocks[c] = mergeClock(a.clocks[c], b.clocks[c])
  for (const r of [a.responders, b.responders]) {
    for (const [id, n] of r) addResponder(d, id, n.acknowledgements, n.firstResponses)
  }
  return d
}

/** Reference oracle: the aggregate of every day, folded straight from the raw alert records. */
export const recompute = (alerts: Iterable<Alert>): Map<string, DailyAggregate> => {
  const days = new Map<string, DailyAggregate>()
  for (const alert of alerts) days.set(alert.day, merge(days.get(alert.day) ?? empty, contributionOf(alert)))
  return days
}

// ---------------------------------------------------------------------------------------------
// Per-event deltas
// ---------------------------------------------------------------------------------------------

/** What the store does to a day's hash for one event: HINCRBY, keep-the-smaller, keep-the-larger. */
export interface AggregateDelta {
  readonly incr: Record<string, number>
  readonly min: Record<string, number>
  readonly max: Record<string, number>
}

/**
 * The change to `after.day`'s hash when an alert goes from `before` to `after` (`before` null: the
 * alert was just created). Milestones are set once, so counters only grow and a clock's min/max
 * is written only when its sample first appears; applied in any order, the deltas of an alert's
 * lifecycle add up to exactly `toFields(contributionOf(final))`.
 */
export const deltaBetween = (before: Alert | null, after: Alert): AggregateDelta => {
  const prior = new Map(before === null ? [] : contributionEntries(before).map((e) => [e.name, e]))
  const delta: AggregateDelta = { incr: {}, min: {}, max: {} }
  for (const e of contributionEntries(after)) {
    const p = prior.get(e.name)
    prior.delete(e.name)
    if (e.kind === "incr") {
      const d = e.value - (p?.value ?? 0)
      if (d !== 0) delta.incr[e.name] = d
    } else if (p === undefined) {
      delta[e.kind][e.name] = e.value
    }
  }
  // Only reachable if a caller passes two unrelated alerts; subtracting keeps the sums exact.
  for (const p of prior.values()) if (p.kind === "incr") delta.incr[p.name] = -p.value
  return delta
}

/**
 * The non-zero fields one alert contributes to its day, built directly (this is on every
 * event's path); `contributionOf` is the independent long-hand the property tests compare with.
 */
const contributionEntries = (alert: Alert): Array<FieldEntry> => {
  const out: Array<FieldEntry> = []
  const incr = (name: string, value: number): void => {
    if (value !== 0) out.push({ name, kind: "incr", value })
  }
  const sample = (clock: Clock, ms: number): void => {
    incr(FIELD.clockCount(clock), 1)
    incr(FIELD.clockSum(clock), ms)
    out.push({ name: FIELD.clockMin(clock), kind: "min", value: ms })
    out.push({ name: FIELD.clockMax(clock), kind: "max", value: ms })
    incr(FIELD.clockBucket(clock, bucketOf(ms)), 1)
  }
  const m = alert.milestones
  incr(FIELD.totalAlerts, 1)
  incr(FIELD.severity[alert.severity], 1)
  if (Number.isInteger(alert.hour) && alert.hour >= 0 && alert.hour < 24) incr(FIELD.hour(alert.hour), 1)
  if (alert.escalated) incr(FIELD.escalated, 1)
  if (alert.optedOut) incr(FIELD.optedOut, 1)
  if (alert.contactFailures > 0) incr(FIELD.contactFailed, 1)
  if (m.acknowledged !== null) {
    incr(FIELD.acknowledged, 1)
    incr(FIELD.responderAck(m.acknowledged.by), 1)
    sample("acknowledge", m.acknowledged.elapsedMs)
  }
  if (m.ashContacted !== null) {
    incr(FIELD.ashContacted, 1)
    incr(m.ashContacted.mode === "auto" ? FIELD.ashAuto : FIELD.ashManual, 1)
    sample("ash_contact", m.ashContacted.elapsedMs)
  }
  if (m.responded !== null) {
    incr(FIELD.responded, 1)
    incr(FIELD.responderFirstResponse(m.responded.by), 1)
    sample("first_response", m.responded.elapsedMs)
  }
  if (m.closed !== null) {
    incr(m.closed.reason === "resolved" ? FIELD.resolved : FIELD.expired, 1)
    if (m.closed.unanswered) incr(FIELD.unanswered, 1)
  }
  sample("alert_latency", Math.max(0, alert.createdAt - alert.messageAt))
  return out
}

/** The hash after a delta, as the store computes it (a counter brought to 0 is dropped, as in `toFields`). */
export const applyDelta = (
  fields: Readonly<Record<string, number>>,
  delta: AggregateDelta,
): Record<string, number> => {
  const out = new Map(Object.entries(fields))
  for (const [k, v] of Object.entries(delta.incr)) {
    const n = (out.get(k) ?? 0) + v
    if (n === 0) out.delete(k)
    else out.set(k, n)
  }
  for (const [k, v] of Object.entries(delta.min)) out.set(k, Math.min(out.get(k) ?? v, v))
  for (const [k, v] of Object.entries(delta.max)) out.set(k, Math.max(out.get(k) ?? v, v))
  return Object.fromEntries(out)
}
