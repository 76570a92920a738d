/**
 * The shape of a day's aggregate and its flat encoding as the Redis hash
 * `ash:metrics:daily:{YYYY-MM-DD}` of integer fields. The counters, clocks and responder roles
 * are the ones the milestones declare. Import it through `DailyAggregate.ts`.
 */
import { Data, Either } from "effect"
import { BUCKET_COUNT } from "./Histogram.js"
import {
  CLOCKS,
  type Clock,
  COUNTERS,
  type Counter,
  RESPONDER_ROLES,
  type ResponderRole,
} from "./milestones/Milestones.js"
import { ALERT_SEVERITIES, type AlertSeverity } from "./Severity.js"

export type { Clock, Counter, ResponderRole }

/** Every measured duration, in the order the milestones declare them. */
export const CLOCK_NAMES: ReadonlyArray<Clock> = CLOCKS.map((c) => c.name)
export const COUNTER_NAMES: ReadonlyArray<Counter> = COUNTERS.map((c) => c.name)
export const ROLES: ReadonlyArray<ResponderRole> = RESPONDER_ROLES.map((r) => r.role)
/** The clocks also kept per hour of day (`byHour` in their declaration). */
export const HOURLY_CLOCK_NAMES: ReadonlyArray<Clock> = CLOCKS.filter((c) => c.byHour).map((c) => c.name)

/** count / sum / min / max and a fixed histogram of one clock's samples; min/max null when empty. */
export interface ClockStats {
  readonly count: number
  readonly sumMs: number
  readonly minMs: number | null
  readonly maxMs: number | null
  readonly buckets: ReadonlyArray<number>
}

/** What one CRT member was credited for, by role (acknowledgements, first responses). */
export type ResponderCounts = ReadonlyMap<ResponderRole, number>

export interface DailyAggregate {
  /** Every declared counter (0 when nothing counted). */
  readonly counts: ReadonlyMap<Counter, number>
  readonly severity: { readonly [S in AlertSeverity]: number }
  /** Alerts created in each hour of the day (24 entries). */
  readonly hours: ReadonlyArray<number>
  /** Every declared clock. */
  readonly clocks: ReadonlyMap<Clock, ClockStats>
  /**
   * For each clock kept by hour: per hour of creation (24 entries), the histogram of its samples.
   * Days recorded before a clock was kept by hour have fewer samples here than in `clocks`.
   */
  readonly hourly: ReadonlyMap<Clock, ReadonlyArray<ReadonlyArray<number>>>
  /** Per CRT member id: what they were credited for. */
  readonly responders: ReadonlyMap<string, ResponderCounts>
}

export const EMPTY_CLOCK: ClockStats = {
  count: 0,
  sumMs: 0,
  minMs: null,
  maxMs: null,
  buckets: new Array<number>(BUCKET_COUNT).fill(0),
}

/** The value of one counter. */
export const countOf = (agg: DailyAggregate, counter: Counter): number => agg.counts.get(counter) ?? 0

/** The statistics of one clock. */
export const clockOf = (agg: DailyAggregate, clock: Clock): ClockStats => agg.clocks.get(clock) ?? EMPTY_CLOCK

/** The per-hour histograms of a clock kept by hour (all zero for any other). */
export const hourlyOf = (agg: DailyAggregate, clock: Clock): ReadonlyArray<ReadonlyArray<number>> =>
  agg.hourly.get(clock) ?? EMPTY_HOURLY

const emptyHours = (): Array<Array<number>> =>
  Array.from({ length: 24 }, () => new Array<number>(BUCKET_COUNT).fill(0))
const EMPTY_HOURLY: ReadonlyArray<ReadonlyArray<number>> = emptyHours()

/** How often a responder was credited in `role`. */
export const creditOf = (counts: ResponderCounts, role: ResponderRole): number => counts.get(role) ?? 0

// ---------------------------------------------------------------------------------------------
// Mutable drafts: filled in locally, then handed out through the readonly type.
// ---------------------------------------------------------------------------------------------

export interface DraftClock {
  count: number
  sumMs: number
  minMs: number | null
  maxMs: number | null
  buckets: Array<number>
}

/** An aggregate under construction; never mutate one that has been handed out. */
export interface Draft {
  counts: Map<Counter, number>
  severity: { [S in AlertSeverity]: number }
  hours: Array<number>
  clocks: Map<Clock, DraftClock>
  hourly: Map<Clock, Array<Array<number>>>
  responders: Map<string, Map<ResponderRole, number>>
}

export const draftClock = (): DraftClock => ({
  count: 0,
  sumMs: 0,
  minMs: null,
  maxMs: null,
  buckets: new Array<number>(BUCKET_COUNT).fill(0),
})

/** A fresh all-zero aggregate to fill in. */
export const draft = (): Draft => ({
  counts: new Map(COUNTER_NAMES.map((c) => [c, 0])),
  severity: { medium: 0, high: 0, critical: 0 },
  hours: new Array<number>(24).fill(0),
  clocks: new Map(CLOCK_NAMES.map((c) => [c, draftClock()])),
  hourly: new Map(HOURLY_CLOCK_NAMES.map((c) => [c, emptyHours()])),
  responders: new Map(),
})

/** Adds `n` samples to a clock's histogram for `hour`; ignored for a clock not kept by hour. */
export const addHourly = (d: Draft, clock: Clock, hour: number, bucket: number, n: number): void => {
  const row = d.hourly.get(clock)?.[hour]
  if (row !== undefined) row[bucket] = (row[bucket] ?? 0) + n
}

/** The draft's clock, created on first use. */
export const draftClockOf = (d: Draft, clock: Clock): DraftClock => {
  const existing = d.clocks.get(clock)
  if (existing !== undefined) return existing
  const fresh = draftClock()
  d.clocks.set(clock, fresh)
  return fresh
}

/** Adds to a responder's credit in `role`, creating the entry on first use. */
export const addCredit = (d: Draft, id: string, role: ResponderRole, n: number): void => {
  if (n === 0) return
  const credits = d.responders.get(id) ?? new Map<ResponderRole, number>()
  credits.set(role, (credits.get(role) ?? 0) + n)
  d.responders.set(id, credits)
}

const pad2 = (n: number): string => String(n).padStart(2, "0")

const COUNTER_FIELD: ReadonlyMap<Counter, string> = new Map(COUNTERS.map((c) => [c.name, c.field]))
const ROLE_PREFIX: ReadonlyMap<ResponderRole, string> = new Map(
  RESPONDER_ROLES.map((r) => [r.role, r.fieldPrefix]),
)

const SEVERITY_FIELDS: { readonly [S in AlertSeverity]: string } = {
  medium: "severity_medium",
  high: "severity_high",
  critical: "severity_critical",
}

/** Field names of the daily hash; the seeds' names are kept for what they name. */
export const FIELD = {
  counter: (counter: Counter): string => COUNTER_FIELD.get(counter) ?? counter,
  severity: SEVERITY_FIELDS,
  hour: (hour: number): string => `hour_${pad2(hour)}`,
  clockCount: (clock: Clock): string => `${clock}_count`,
  clockSum: (clock: Clock): string => `${clock}_sum_ms`,
  clockMin: (clock: Clock): string => `${clock}_min_ms`,
  clockMax: (clock: Clock): string => `${clock}_max_ms`,
  clockBucket: (clock: Clock, bucket: number): string => `${clock}_bucket_${pad2(bucket)}`,
  clockHourBucket: (clock: Clock, hour: number, bucket: number): string =>
    `${clock}_hour_${pad2(hour)}_bucket_${pad2(bucket)}`,
  /** Whether a field is one of the per-hour histograms (kept in the day's second hash). */
  isHourly: (field: string): boolean => /_hour_\d{2}_bucket_\d{2}$/.test(field),
  responder: (role: ResponderRole, userId: string): string => `${ROLE_PREFIX.get(role) ?? role}${userId}`,
} as const

/** A Redis daily hash that is not a valid aggregate. */
export class AggregateDecodeError extends Data.TaggedError("AggregateDecodeError")<{
  readonly field: string
  readonly value: string
  readonly reason: "unknown_field" | "not_a_count" | "inconsistent"
  readonly message: string
}> {}

/** How the store combines a field: HINCRBY, keep-the-smaller, keep-the-larger. */
export type FieldKind = "incr" | "min" | "max"
export interface FieldEntry {
  readonly name: string
  readonly kind: FieldKind
  readonly value: number
}

/** Every field of the flat hash with how the store combines it; zero counters are left out. */
export const entriesOf = (agg: DailyAggregate): Array<FieldEntry> => {
  const out: Array<FieldEntry> = []
  const incr = (name: string, value: number): void => {
    if (value !== 0) out.push({ name, kind: "incr", value })
  }
  for (const [k, n] of agg.counts) incr(FIELD.counter(k), n)
  for (const s of ALERT_SEVERITIES) incr(FIELD.severity[s], agg.severity[s])
  agg.hours.forEach((n, h) => {
    incr(FIELD.hour(h), n)
  })
  for (const [c, st] of agg.clocks) {
    incr(FIELD.clockCount(c), st.count)
    incr(FIELD.clockSum(c), st.sumMs)
    // A minimum of 0 ms is a real value, so min/max are present whenever they are known.
    if (st.minMs !== null) out.push({ name: FIELD.clockMin(c), kind: "min", value: st.minMs })
    if (st.maxMs !== null) out.push({ name: FIELD.clockMax(c), kind: "max", value: st.maxMs })
    st.buckets.forEach((n, i) => {
      incr(FIELD.clockBucket(c, i), n)
    })
  }
  for (const [c, hours] of agg.hourly) {
    hours.forEach((buckets, h) => {
      buckets.forEach((n, i) => {
        incr(FIELD.clockHourBucket(c, h, i), n)
      })
    })
  }
  for (const [id, credits] of agg.responders) {
    for (const [role, n] of credits) incr(FIELD.responder(role, id), n)
  }
  return out
}

/** The aggregate as the flat integer fields of its Redis hash (zero counters omitted). */
export const toFields = (agg: DailyAggregate): Record<string, number> =>
  Object.fromEntries(entriesOf(agg).map((e) => [e.name, e.value]))

type Slot =
  | { readonly _tag: "counter"; readonly key: Counter }
  | { readonly _tag: "severity"; readonly key: AlertSeverity }
  | { readonly _tag: "hour"; readonly index: number }
  | { readonly _tag: "clock"; readonly clock: Clock; readonly part: "count" | "sum" | "min" | "max" }
  | { readonly _tag: "bucket"; readonly clock: Clock; readonly index: number }
  | { readonly _tag: "hourBucket"; readonly clock: Clock; readonly hour: number; readonly index: number }

const SLOTS: ReadonlyMap<string, Slot> = new Map<string, Slot>([
  ...COUNTER_NAMES.map((key): [string, Slot] => [FIELD.counter(key), { _tag: "counter", key }]),
  ...ALERT_SEVERITIES.map((key): [string, Slot] => [FIELD.severity[key], { _tag: "severity", key }]),
  ...Array.from({ length: 24 }, (_, index): [string, Slot] => [FIELD.hour(index), { _tag: "hour", index }]),
  ...CLOCK_NAMES.flatMap(
    (clock): Array<[string, Slot]> => [
      [FIELD.clockCount(clock), { _tag: "clock", clock, part: "count" }],
      [FIELD.clockSum(clock), { _tag: "clock", clock, part: "sum" }],
      [FIELD.clockMin(clock), { _tag: "clock", clock, part: "min" }],
      [FIELD.clockMax(clock), { _tag: "clock", clock, part: "max" }],
      ...Array.from({ length: BUCKET_COUNT }, (_, index): [string, Slot] => [
        FIELD.clockBucket(clock, index),
        { _tag: "bucket", clock, index },
      ]),
    ],
  ),
  ...HOURLY_CLOCK_NAMES.flatMap((clock) =>
    Array.from({ length: 24 * BUCKET_COUNT }, (_, i): [string, Slot] => {
      const hour = Math.floor(i / BUCKET_COUNT)
      const index = i % BUCKET_COUNT
      return [FIELD.clockHourBucket(clock, hour, index), { _tag: "hourBucket", clock, hour, index }]
    }),
  ),
])

const REASONS = {
  unknown_field: "not a field of the daily aggregate",
  not_a_count: "not a non-negative integer",
  inconsistent: "count disagrees with its histogram or min/max",
} as const

const decodeError = (field: string, value: string, reason: keyof typeof REASONS): AggregateDecodeError =>
  new AggregateDecodeError({
    field,
    value,
    reason,
    message: `daily aggregate field "${field}" = ${JSON.stringify(value)}: ${REASONS[reason]}`,
  })

const setSlot = (d: Draft, slot: Slot, n: number): void => {
  switch (slot._tag) {
    case "counter":
      d.counts.set(slot.key, n)
      return
    case "severity":
      d.severity[slot.key] = n
      return
    case "hour":
      d.hours[slot.index] = n
      return
    case "bucket":
      draftClockOf(d, slot.clock).buckets[slot.index] = n
      return
    case "hourBucket":
      addHourly(d, slot.clock, slot.hour, slot.index, n)
      return
    case "clock": {
      const c = draftClockOf(d, slot.clock)
      if (slot.part === "count") c.count = n
      else if (slot.part === "sum") c.sumMs = n
      else if (slot.part === "min") c.minMs = n
      else c.maxMs = n
    }
  }
}

/** The responder role and member id a field credits, if it is a responder field. */
const responderField = (field: string): { role: ResponderRole; id: string } | null => {
  for (const r of RESPONDER_ROLES) {
    if (field.startsWith(r.fieldPrefix)) return { role: r.role, id: field.slice(r.fieldPrefix.length) }
  }
  return null
}

// 15 digits stay below 2^53, so every accepted value is an exact integer.
const COUNT = /^\d{1,15}$/

const isConsistent = (st: DraftClock): boolean => {
  const inBuckets = st.buckets.reduce((sum, n) => sum + n, 0)
  const known = st.count > 0
  return (
    inBuckets === st.count &&
    (st.minMs !== null) === known &&
    (st.maxMs !== null) === known &&
    (st.minMs === null || st.maxMs === null || st.minMs <= st.maxMs)
  )
}

/** Decodes a Redis HGETALL result; a corrupt hash is a typed error naming the field, never a throw. */
export const fromFields = (
  hash: Readonly<Record<string, string>>,
): Either.Either<DailyAggregate, AggregateDecodeError> => {
  const d = draft()
  for (const [field, value] of Object.entries(hash)) {
    const slot = SLOTS.get(field)
    // Stryker disable next-line ConditionalExpression: no responder prefix starts a slot's field (a test checks), so asking anyway finds nothing.
    const credit = slot === undefined ? responderField(field) : null
    if (slot === undefined && credit === null) return Either.left(decodeError(field, value, "unknown_field"))
    if (!COUNT.test(value)) return Either.left(decodeError(field, value, "not_a_count"))
    const n = Number(value)
    if (slot !== undefined) setSlot(d, slot, n)
    else if (credit !== null) addCredit(d, credit.id, credit.role, n)
  }
  for (const [c, st] of d.clocks) {
    if (!isConsistent(st))
      return Either.left(decodeError(FIELD.clockCount(c), String(st.count), "inconsistent"))
  }
  return Either.right(d)
}
