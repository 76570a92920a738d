/**
 * Arbitrary alerts that the lifecycle could really produce: each one is created with
 * `createAlert` and then driven through `transition` by a random sequence of events at random
 * (sometimes skewed) times. Rejected events leave the alert as it was, exactly as in the shell.
 */
import { Arbitrary, Either, FastCheck as fc, Schema } from "effect"
import { type Alert, AlertId } from "../../src/core/Alert.js"
import { calendarOf } from "../../src/core/Calendar.js"
import {
  CLOCK_NAMES,
  type ClockStats,
  COUNTER_NAMES,
  contributionOf,
  type DailyAggregate,
  EMPTY_CLOCK,
  empty,
  HOURLY_CLOCK_NAMES,
  merge,
  type ResponderRole,
  ROLES,
} from "../../src/core/DailyAggregate.js"
import { BUCKET_COUNT, bucketOf } from "../../src/core/Histogram.js"
import {
  createAlert,
  isLifecycleEvent,
  type LifecycleEvent,
  type LifecyclePolicy,
  transition,
} from "../../src/core/Lifecycle.js"
import { EVENTS } from "../../src/core/milestones/Milestones.js"
import { ALERT_SEVERITIES } from "../../src/core/Severity.js"

/** 2026-01-01T00:00:00Z: alerts are spread over the three days after it. */
export const BASE_MS = 1_767_225_600_000
const SPREAD_MS = 3 * 86_400_000
const HOUR_MS = 3_600_000

/** A small pool, so that responders repeat across alerts and days. */
export const RESPONDERS = ["111111111111111111", "222222222222222222", "333333333333333333", "4444"] as const

const responder = fc.constantFrom(...RESPONDERS)

/**
 * How often each event comes up, relative to the default of 2: contact outcomes often (they need
 * a pending request first), closing rarely (it ends the lifecycle).
 */
const EVENT_WEIGHTS: Readonly<Record<string, number>> = {
  Acknowledge: 3,
  RequestAshContact: 3,
  AutoContactDue: 3,
  AshContactMade: 4,
  AshContactFailed: 1,
  Resolve: 1,
  Expire: 1,
  RenotifyDue: 1,
  MemberOptedOut: 1,
  RepeatSuppressed: 1,
}

/**
 * Any event of any declared milestone or aspect, generated from its declared fields; an actor
 * (`by`) is one of a few responders so that they repeat. A newly declared event is generated
 * without any change here.
 */
export const eventArb: fc.Arbitrary<LifecycleEvent> = fc
  .oneof(
    ...[...EVENTS].map(([tag, declared]) => ({
      weight: EVENT_WEIGHTS[tag] ?? 2,
      arbitrary: fc.tuple(Arbitrary.make(Schema.Struct(declared.fields)), responder).map(
        ([fields, by]): Record<string, unknown> => ({
          ...fields,
          ...("by" in fields ? { by } : {}),
          _tag: tag,
        }),
      ),
    })),
  )
  .filter(isLifecycleEvent)

/** Gaps between events: mostly seconds to an hour, sometimes days (overflow bucket), sometimes
 * negative (another process's clock running behind). */
const gapArb = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 10_000 }), weight: 3 },
  { arbitrary: fc.integer({ min: 0, max: HOUR_MS }), weight: 3 },
  { arbitrary: fc.integer({ min: 0, max: 50 * HOUR_MS }), weight: 1 },
  { arbitrary: fc.integer({ min: -5_000, max: -1 }), weight: 1 },
)

const delayArb = fc.option(fc.integer({ min: 60_000, max: 600_000 }), { nil: null })

export const policyArb: fc.Arbitrary<LifecyclePolicy> = fc.record({
  autoContactDelayMs: fc.record({ medium: delayArb, high: delayArb, critical: delayArb }),
  renotifyAfterMs: delayArb,
  expireAfterMs: fc.integer({ min: HOUR_MS, max: 48 * HOUR_MS }),
})

const alertIdOf = (n: number): AlertId =>
  Schema.decodeSync(AlertId)(`alert_${n.toString(16).padStart(12, "0")}`)

/** Every state an alert went through: its creation, then one entry per accepted event. */
export const alertHistoryArb: fc.Arbitrary<readonly [Alert, ...Array<Alert>]> = fc
  .record({
    id: fc.integer({ min: 0, max: 0xffffff }),
    severity: fc.constantFrom(...ALERT_SEVERITIES),
    escalated: fc.boolean(),
    // Opted-out members block every Ash contact, so keep them a minority.
    optedOut: fc.integer({ min: 0, max: 5 }).map((n) => n === 0),
    createdOffset: fc.integer({ min: 0, max: SPREAD_MS - 1 }),
    latency: fc.integer({ min: -3_000, max: 900_000 }),
    policy: policyArb,
    steps: fc.array(fc.tuple(eventArb, gapArb), { maxLength: 14 }),
  })
  .map((r) => {
    const createdAt = BASE_MS + r.createdOffset
    const { day, hour } = calendarOf(createdAt, "UTC")
    const first = createAlert(
      {
        id: alertIdOf(r.id),
        origin: {
          guildId: "1",
          memberId: "2",
          sourceChannelId: "3",
          sourceMessageId: "4",
          alertChannelId: "5",
          alertMessageId: "6",
        },
        severity: r.severity,
        escalated: r.escalated,
        channelSensitivity: 1,
        crisisScore: 0.9,
        messageAt: Math.max(0, createdAt - r.latency),
        createdAt,
        day,
        hour,
        optedOut: r.optedOut,
      },
      r.policy,
    ).alert
    const history: [Alert, ...Array<Alert>] = [first]
    let alert = first
    let now = createdAt
    for (const [event, gap] of r.steps) {
      now += gap
      const next = transition(alert, event, now)
      if (Either.isRight(next)) {
        alert = next.right.alert
        history.push(alert)
      }
    }
    return history
  })

/** An alert in whatever state its random lifecycle left it. */
export const alertArb: fc.Arbitrary<Alert> = alertHistoryArb.map((h) => h[h.length - 1] ?? h[0])

export const alertsArb = (maxLength = 25): fc.Arbitrary<ReadonlyArray<Alert>> =>
  fc.array(alertArb, { maxLength })

/** The aggregate of a few realistic alerts, ignoring their days. */
export const realisticAggregateArb: fc.Arbitrary<DailyAggregate> = alertsArb(12).map((alerts) =>
  alerts.map(contributionOf).reduce(merge, empty),
)

const clockStatsArb: fc.Arbitrary<ClockStats> = fc
  .array(fc.oneof(fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 0, max: 200_000_000 })), {
    maxLength: 8,
  })
  .map((samples) => {
    const buckets = new Array<number>(BUCKET_COUNT).fill(0)
    for (const s of samples) buckets[bucketOf(s)] = (buckets[bucketOf(s)] ?? 0) + 1
    return {
      count: samples.length,
      sumMs: samples.reduce((a, b) => a + b, 0),
      minMs: samples.length === 0 ? null : Math.min(...samples),
      maxMs: samples.length === 0 ? null : Math.max(...samples),
      buckets,
    }
  })

const countArb = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1_000 }))

/** A map with an arbitrary count for every key. */
const countsArb = <K>(keys: ReadonlyArray<K>): fc.Arbitrary<ReadonlyMap<K, number>> =>
  fc
    .array(countArb, { minLength: keys.length, maxLength: keys.length })
    .map((counts) => new Map(keys.map((k, i) => [k, counts[i] ?? 0])))

/**
 * Any well-formed aggregate, built field by field without `merge` or `contributionOf`, so that
 * the merge laws are not checked only on values that merge itself produced.
 */
export const structuralAggregateArb: fc.Arbitrary<DailyAggregate> = fc.record({
  counts: countsArb(COUNTER_NAMES),
  severity: fc.record({ medium: countArb, high: countArb, critical: countArb }),
  hours: fc.array(countArb, { minLength: 24, maxLength: 24 }),
  clocks: fc
    .array(clockStatsArb, { minLength: CLOCK_NAMES.length, maxLength: CLOCK_NAMES.length })
    .map((stats) => new Map(CLOCK_NAMES.map((c, i) => [c, stats[i] ?? EMPTY_CLOCK]))),
  // Sparse per-hour histograms: a few (hour, bucket) cells with a count.
  hourly: fc
    .array(
      fc.tuple(
        fc.constantFrom(...HOURLY_CLOCK_NAMES),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: BUCKET_COUNT - 1 }),
        fc.integer({ min: 1, max: 1_000 }),
      ),
      { maxLength: 6 },
    )
    .map((cells) => {
      const hourly = new Map(
        HOURLY_CLOCK_NAMES.map((c) => [
          c,
          Array.from({ length: 24 }, () => new Array<number>(BUCKET_COUNT).fill(0)),
        ]),
      )
      for (const [c, h, b, n] of cells) {
        const row = hourly.get(c)?.[h]
        if (row !== undefined) row[b] = (row[b] ?? 0) + n
      }
      return hourly
    }),
  // A responder is only on record with a credit above 0, as in Redis.
  responders: fc
    .array(fc.tuple(fc.constantFrom(...RESPONDERS, "", "x:y", "5"), countsArb(ROLES)), { maxLength: 6 })
    .map(
      (entries) =>
        new Map(
          entries
            .map(([id, credits]): [string, ReadonlyMap<ResponderRole, number>] => [
              id,
              new Map([...credits].filter(([, n]) => n > 0)),
            ])
            .filter(([, credits]) => credits.size > 0),
        ),
    ),
})

/** Realistic and arbitrary well-formed aggregates. */
export const aggregateArb: fc.Arbitrary<DailyAggregate> = fc.oneof(
  realisticAggregateArb,
  structuralAggregateArb,
)
