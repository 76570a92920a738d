/**
 * The shape of a day's aggregate and its flat encoding as the Redis hash
 * `ash:metrics:daily:{YYYY-MM-DD}` of integer fields. Import it through `DailyAggregate.ts`.
 */
import { Data, Either } from "effect"
import { BUCKET_COUNT } from "./Histogram.js"
import { ALERT_SEVERITIES, type AlertSeverity } from "./Severity.js"

/** The measured durations: acknowledge, Ash contact, first human response (all from the alert
 * being posted) and message-to-alert latency (member's message → alert posted). */
export const CLOCKS = ["acknowledge", "ash_contact", "first_response", "alert_latency"] as const
export type Clock = (typeof CLOCKS)[number]

/** The plain counters of a day, in the order their fields are written. */
export const COUNTERS = [
  "totalAlerts",
  "escalated",
  "acknowledged",
  "ashContacted",
  "ashManual",
  "ashAuto",
  "responded",
  "optedOut",
  "resolved",
  "expired",
  "unanswered",
  "contactFailed",
] as const
export type Counter = (typeof COUNTERS)[number]

/** count / sum / min / max and a fixed histogram of one clock's samples; min/max null when empty. */
export interface ClockStats {
  readonly count: number
  readonly sumMs: number
  readonly minMs: number | null
  readonly maxMs: number | null
  readonly buckets: ReadonlyArray<number>
}

export interface ResponderCounts {
  readonly acknowledgements: number
  readonly firstResponses: number
}

export interface DailyAggregate {
  readonly counts: { readonly [K in Counter]: number }
  readonly severity: { readonly [S in AlertSeverity]: number }
  /** Alerts created in each hour of the day (24 entries). */
  readonly hours: ReadonlyArray<number>
  readonly clocks: { readonly [C in Clock]: ClockStats }
  /** Per CRT member id: acknowledgements and first human responses. */
  readonly responders: ReadonlyMap<string, ResponderCounts>
}

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
  counts: { [K in Counter]: number }
  severity: { [S in AlertSeverity]: number }
  hours: Array<number>
  clocks: { [C in Clock]: DraftClock }
  responders: Map<string, { acknowledgements: number; firstResponses: number }>
}

const draftClock = (): DraftClock => ({
  count: 0,
  sumMs: 0,
  minMs: null,
  maxMs: null,
  buckets: new Array<number>(BUCKET_COUNT).fill(0),
})

/** A fresh all-zero aggregate to fill in. */
export const draft = (): Draft => ({
  counts: {
    totalAlerts: 0,
    escalated: 0,
    acknowledged: 0,
    ashContacted: 0,
    ashManual: 0,
    ashAuto: 0,
    responded: 0,
    optedOut: 0,
    resolved: 0,
    expired: 0,
    unanswered: 0,
    contactFailed: 0,
  },
  severity: { medium: 0, high: 0, critical: 0 },
  hours: new Array<number>(24).fill(0),
  clocks: {
    acknowledge: draftClock(),
    ash_contact: draftClock(),
    first_response: draftClock(),
    alert_latency: draftClock(),
  },
  responders: new Map(),
})

/** Adds to a responder's counts, creating the entry on first use. */
export const addResponder = (
  d: Draft,
  id: string,
  acknowledgements: number,
  firstResponses: number,
): void => {
  if (acknowledgements === 0 && firstResponses === 0) return
  const r = d.responders.get(id) ?? { acknowledgements: 0, firstResponses: 0 }
  d.responders.set(id, {
    acknowledgements: r.acknowledgements + acknowledgements,
    firstResponses: r.firstResponses + firstResponses,
  })
}

const COUNTER_FIELDS: { readonly [K in Counter]: string } = {
  totalAlerts: "total_alerts",
  escalated: "escalated_count",
  acknowledged: "acknowledged_count",
  ashContacted: "ash_sessions_count",
  ashManual: "ash_manual_count",
  ashAuto: "auto_initiated_count",
  responded: "responded_count",
  optedOut: "user_optout_count",
  resolved: "resolved_count",
  expired: "expired_count",
  unanswered: "unanswered_count",
  contactFailed: "contact_failed_count",
}

const SEVERITY_FIELDS: { readonly [S in AlertSeverity]: string } = {
  medium: "severity_medium",
  high: "severity_high",
  critical: "severity_critical",
}

const pad2 = (n: number): string => String(n).padStart(2, "0")

/** Field names of the daily hash; the seeds' names are kept for what they name. */
export const FIELD = {
  ...COUNTER_FIELDS,
  severity: SEVERITY_FIELDS,
  hour: (hour: number): string => `hour_${pad2(hour)}`,
  clockCount: (clock: Clock): string => `${clock}_count`,
  clockSum: (clock: Clock): string => `${clock}_sum_ms`,
  clockMin: (clock: Clock): string => `${clock}_min_ms`,
  clockMax: (clock: Clock): string => `${clock}_max_ms`,
  clockBucket: (clock: Clock, bucket: number): string => `${clock}_bucket_${pad2(bucket)}`,
  responderAck: (userId: string): string => `responder_ack:${userId}`,
  responderFirstResponse: (userId: string): string => `responder_first_response:${userId}`,
} as const

const RESPONDER_ACK = "responder_ack:"
const RESPONDER_FIRST = "responder_first_response:"

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
  for (const k of COUNTERS) incr(FIELD[k], agg.counts[k])
  for (const s of ALERT_SEVERITIES) incr(FIELD.severity[s], agg.severity[s])
  agg.hours.forEach((n, h) => {
    incr(FIELD.hour(h), n)
  })
  for (const c of CLOCKS) {
    const st = agg.clocks[c]
    incr(FIELD.clockCount(c), st.count)
    incr(FIELD.clockSum(c), st.sumMs)
    // A minimum of 0 ms is a real value, so min/max are present whenever they are known.
    if (st.minMs !== null) out.push({ name: FIELD.clockMin(c), kind: "min", value: st.minMs })
    if (st.maxMs !== null) out.push({ name: FIELD.clockMax(c), kind: "max", value: st.maxMs })
    st.buckets.forEach((n, i) => {
      incr(FIELD.clockBucket(c, i), n)
    })
  }
  for (const [id, r] of agg.responders) {
    incr(FIELD.responderAck(id), r.acknowledgements)
    incr(FIELD.responderFirstResponse(id), r.firstResponses)
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

const SLOTS: ReadonlyMap<string, Slot> = new Map<string, Slot>([
  ...COUNTERS.map((key): [string, Slot] => [FIELD[key], { _tag: "counter", key }]),
  ...ALERT_SEVERITIES.map((key): [string, Slot] => [FIELD.severity[key], { _tag: "severity", key }]),
  ...Array.from({ length: 24 }, (_, index): [string, Slot] => [FIELD.hour(index), { _tag: "hour", index }]),
  ...CLOCKS.flatMap(
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
      d.counts[slot.key] = n
      return
    case "severity":
      d.severity[slot.key] = n
      return
    case "hour":
      d.hours[slot.index] = n
      return
    case "bucket":
      d.clocks[slot.clock].buckets[slot.index] = n
      return
    case "clock": {
      const c = d.clocks[slot.clock]
      if (slot.part === "count") c.count = n
      else if (slot.part === "sum") c.sumMs = n
      else if (slot.part === "min") c.minMs = n
      else c.maxMs = n
    }
  }
}

// 15 digits stay below 2^53, so every accepted value is an exact integer.
const COUNT = /^\d{1,15}$/

/** Decodes a Redis HGETALL result; a corrupt hash is a typed error naming the field, never a throw. */
export const fromFields = (
  hash: Readonly<Record<string, string>>,
): Either.Either<DailyAggregate, AggregateDecodeError> => {
  const d = draft()
  for (const [field, value] of Object.entries(hash)) {
    const slot = SLOTS.get(field)
    const ack = field.startsWith(RESPONDER_ACK)
    const first = field.startsWith(RESPONDER_FIRST)
    if (slot === undefined && !ack && !first) return Either.left(decodeError(field, value, "unknown_field"))
    if (!COUNT.test(value)) return Either.left(decodeError(field, value, "not_a_count"))
    const n = Number(value)
    if (slot !== undefined) setSlot(d, slot, n)
    else if (ack) addResponder(d, field.slice(RESPONDER_ACK.length), n, 0)
    else addResponder(d, field.slice(RESPONDER_FIRST.length), 0, n)
  }
  for (const c of CLOCKS) {
    const st = d.clocks[c]
    const inBuckets = st.buckets.reduce((sum, n) => sum + n, 0)
    const known = st.count > 0
    const consistent =
      inBuckets === st.count &&
      (st.minMs !== null) === known &&
      (st.maxMs !== null) === known &&
      (st.minMs === null || st.maxMs === null || st.minMs <= st.maxMs)
    if (!consistent) return Either.left(decodeError(FIELD.clockCount(c), String(st.count), "inconsistent"))
  }
  return Either.right(d)
}
