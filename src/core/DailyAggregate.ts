/**
 * The per-day aggregate of alerts (PRODUCT.md §6): what each alert contributes to its day, the
 * merge of days, the recomputation from raw records, and the per-event deltas that the store
 * applies atomically to the day's flat Redis hash (HINCRBY, min, max).
 */

import {
  addCredit,
  addHourly,
  CLOCK_NAMES,
  type ClockStats,
  type DailyAggregate,
  type DraftClock,
  draft,
  draftClockOf,
  EMPTY_CLOCK,
  FIELD,
  type FieldEntry,
} from "./AggregateFields.js"
import type { Alert } from "./Alert.js"
import { BUCKET_COUNT, bucketOf } from "./Histogram.js"
import { CLOCKS, COUNTERS, RESPONDER_ROLES } from "./milestones/Milestones.js"
import { ALERT_SEVERITIES } from "./Severity.js"

export {
  AggregateDecodeError,
  CLOCK_NAMES,
  type Clock,
  type ClockStats,
  COUNTER_NAMES,
  type Counter,
  clockOf,
  countOf,
  creditOf,
  type DailyAggregate,
  EMPTY_CLOCK,
  FIELD,
  fromFields,
  HOURLY_CLOCK_NAMES,
  hourlyOf,
  type ResponderCounts,
  type ResponderRole,
  ROLES,
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

/**
 * An alert counts in its day at the severity it was posted with: a later raise is counted apart
 * (`raised_count`), so that a day's counters only ever grow.
 */
const postedSeverity = (alert: Alert) => alert.raisedFrom ?? alert.severity

const validHour = (hour: number): boolean => Number.isInteger(hour) && hour >= 0 && hour < 24

/** What one alert, in its current state, contributes to its day (`alert.day`). */
export const contributionOf = (alert: Alert): DailyAggregate => {
  const d = draft()
  d.severity[postedSeverity(alert)] = 1
  if (validHour(alert.hour)) d.hours[alert.hour] = 1
  for (const c of COUNTERS) if (c.counts(alert)) d.counts.set(c.name, 1)
  for (const c of CLOCKS) {
    const ms = c.sampleMs(alert)
    if (ms === null) continue
    addSample(draftClockOf(d, c.name), ms)
    if (c.byHour && validHour(alert.hour)) addHourly(d, c.name, alert.hour, bucketOf(ms), 1)
  }
  for (const r of RESPONDER_ROLES) {
    const who = r.who(alert)
    if (who !== null) addCredit(d, who, r.role, 1)
  }
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
  for (const k of d.counts.keys()) d.counts.set(k, (a.counts.get(k) ?? 0) + (b.counts.get(k) ?? 0))
  for (const s of ALERT_SEVERITIES) d.severity[s] = a.severity[s] + b.severity[s]
  d.hours = d.hours.map((_, h) => (a.hours[h] ?? 0) + (b.hours[h] ?? 0))
  for (const c of CLOCK_NAMES) {
    d.clocks.set(c, mergeClock(a.clocks.get(c) ?? EMPTY_CLOCK, b.clocks.get(c) ?? EMPTY_CLOCK))
  }
  for (const [c, hours] of d.hourly) {
    const fromA = a.hourly.get(c)
    const fromB = b.hourly.get(c)
    hours.forEach((buckets, h) => {
      buckets.forEach((_, i) => {
        buckets[i] = (fromA?.[h]?.[i] ?? 0) + (fromB?.[h]?.[i] ?? 0)
      })
    })
  }
  for (const r of [a.responders, b.responders]) {
    for (const [id, credits] of r) for (const [role, n] of credits) addCredit(d, id, role, n)
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
 * event's path); `contributionOf` is the long-hand the property tests compare with.
 */
const contributionEntries = (alert: Alert): Array<FieldEntry> => {
  const out: Array<FieldEntry> = []
  const incr = (name: string, value: number): void => {
    // Stryker disable next-line ConditionalExpression: a zero entry adds zero to every delta.
    if (value !== 0) out.push({ name, kind: "incr", value })
  }
  incr(FIELD.severity[postedSeverity(alert)], 1)
  if (validHour(alert.hour)) incr(FIELD.hour(alert.hour), 1)
  for (const c of COUNTERS) if (c.counts(alert)) incr(FIELD.counter(c.name), 1)
  for (const c of CLOCKS) {
    const ms = c.sampleMs(alert)
    if (ms === null) continue
    incr(FIELD.clockCount(c.name), 1)
    incr(FIELD.clockSum(c.name), ms)
    out.push({ name: FIELD.clockMin(c.name), kind: "min", value: ms })
    out.push({ name: FIELD.clockMax(c.name), kind: "max", value: ms })
    incr(FIELD.clockBucket(c.name, bucketOf(ms)), 1)
    if (c.byHour && validHour(alert.hour)) incr(FIELD.clockHourBucket(c.name, alert.hour, bucketOf(ms)), 1)
  }
  for (const r of RESPONDER_ROLES) {
    const who = r.who(alert)
    if (who !== null) incr(FIELD.responder(r.role, who), 1)
  }
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
