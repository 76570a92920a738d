/**
 * The weekly summary (PRODUCT.md §6) computed from daily aggregates only: its cost depends on the
 * number of days, fields and responders, never on how many alerts there were.
 */
import { addDays } from "./Calendar.js"
import {
  CLOCK_NAMES,
  type Clock,
  clockOf,
  countOf,
  creditOf,
  type DailyAggregate,
  empty,
  HOURLY_CLOCK_NAMES,
  hourlyOf,
  merge,
  type ResponderCounts,
  ROLES,
} from "./DailyAggregate.js"
import { BUCKET_UPPER_MS, fractionWithin, percentile } from "./Histogram.js"
import type { AlertSeverity } from "./Severity.js"

export interface DayAggregate {
  readonly day: string
  readonly aggregate: DailyAggregate
}

/** Response-time targets by clock, in milliseconds; a clock without one (latency) has none. */
export type ResponseTargets = { readonly [C in Clock]?: number }

export interface WeeklySummaryInput {
  /** The days of the period in order (the shell passes `empty` for a day without a hash). */
  readonly days: readonly [DayAggregate, ...ReadonlyArray<DayAggregate>]
  /** The previous period merged into one aggregate. */
  readonly previous: DailyAggregate
  readonly targets: ResponseTargets
  /** Percentiles are withheld below this many samples (default 5). */
  readonly minSamples?: number | undefined
  /** How many responders to list (default 5). */
  readonly topN?: number | undefined
}

export interface ClockSummary {
  readonly n: number
  /** Sample-weighted mean over the period; null when n = 0. */
  readonly averageMs: number | null
  /** Null when n < minSamples (see `percentilesWithheld`) or n = 0. */
  readonly p50Ms: number | null
  readonly p90Ms: number | null
  /** There are samples, but too few for a meaningful percentile. */
  readonly percentilesWithheld: boolean
  readonly targetMs: number | null
  /** Share of samples at or below the target (0–1); null when n = 0 or there is no target. */
  readonly withinTarget: number | null
  /** The samples' histogram (see `Histogram.ts`), for the report's chart. */
  readonly buckets: ReadonlyArray<number>
}

/** One hour of the day over the period: how many alerts, and how fast the hourly clock ran. */
export interface HourCoverage {
  readonly hour: number
  readonly alerts: number
  /** Samples of the hourly clock for alerts created in this hour. */
  readonly n: number
  /**
   * Their median: the upper bound of the bucket holding it (so up to √2 high), given even for few
   * samples, as the chart writes n beside each; null when n = 0.
   */
  readonly medianMs: number | null
}

export interface DaySummary {
  readonly day: string
  readonly alerts: number
  readonly bySeverity: { readonly [S in AlertSeverity]: number }
}

/** This period against the previous one; `percent` is null when the previous value is 0. */
export interface Change {
  readonly current: number
  readonly previous: number
  readonly absolute: number
  readonly percent: number | null
}

export interface ResponderSummary {
  readonly id: string
  /** What the member was credited for, by role. */
  readonly credits: ResponderCounts
  readonly total: number
}

export interface WeeklySummary {
  readonly startDay: string
  readonly endDay: string
  readonly minSamples: number
  readonly totalAlerts: number
  readonly bySeverity: { readonly [S in AlertSeverity]: number }
  readonly escalated: number
  /** Every day of the period, 0 when it had no alerts. */
  readonly byDay: ReadonlyArray<DaySummary>
  /** Most alerts, ties to the earliest day; null when there were none. */
  readonly peakDay: { readonly day: string; readonly alerts: number } | null
  /** Hour of day (metrics timezone) with most alerts, ties to the earliest; null when none. */
  readonly peakHour: { readonly hour: number; readonly alerts: number } | null
  /** Every declared clock. */
  readonly clocks: ReadonlyMap<Clock, ClockSummary>
  /** Coverage by hour of day (24 entries) for the clock kept by hour (`coverageClock`). */
  readonly coverage: ReadonlyArray<HourCoverage>
  /** The clock the coverage is measured by (time to acknowledge); null when none is kept by hour. */
  readonly coverageClock: Clock | null
  readonly acknowledged: number
  readonly responded: number
  readonly resolved: number
  readonly expired: number
  /** Closed with no human response. */
  readonly unanswered: number
  readonly ash: {
    readonly contacted: number
    readonly manual: number
    readonly auto: number
    readonly optedOut: number
    /** Alerts where reaching the member failed at least once. */
    readonly contactFailed: number
  }
  /** Most credits (acknowledgements, first responses, …), ties by id. */
  readonly topResponders: ReadonlyArray<ResponderSummary>
  readonly change: {
    readonly totalAlerts: Change
    /** Per clock; null when either period has no sample of it. */
    readonly averageMs: ReadonlyMap<Clock, Change | null>
  }
}

export const DEFAULT_MIN_SAMPLES = 5
export const DEFAULT_TOP_N = 5

const DAY_FORMAT = /^\d{4}-\d{2}-\d{2}$/
// A bound on gap filling, so a mislabelled day can never make the loop run away.
const MAX_DAYS = 3_700

/** The period's days in order, gaps filled with `empty` and repeated days merged. */
const periodDays = (days: WeeklySummaryInput["days"]): ReadonlyArray<DayAggregate> => {
  const byDay = new Map<string, DailyAggregate>()
  for (const d of days) byDay.set(d.day, merge(byDay.get(d.day) ?? empty, d.aggregate))
  const sorted = [...byDay.keys()].sort()
  const first = sorted[0] ?? days[0].day
  const last = sorted[sorted.length - 1] ?? first
  const labels: Array<string> = []
  if (DAY_FORMAT.test(first) && DAY_FORMAT.test(last)) {
    // Stryker disable next-line EqualityOperator,ConditionalExpression: the last day is in `sorted` anyway, and the bound only stops a runaway.
    for (let d = first; d <= last && labels.length < MAX_DAYS; d = addDays(d, 1)) labels.push(d)
  }
  const all = new Set([...labels, ...sorted])
  return [...all].sort().map((day) => ({ day, aggregate: byDay.get(day) ?? empty }))
}

const average = (agg: DailyAggregate, clock: Clock): number | null => {
  const c = clockOf(agg, clock)
  return c.count > 0 ? c.sumMs / c.count : null
}

const change = (current: number, previous: number): Change => ({
  current,
  previous,
  absolute: current - previous,
  percent: previous === 0 ? null : ((current - previous) / previous) * 100,
})

const clockSummary = (
  agg: DailyAggregate,
  clock: Clock,
  targetMs: number | null,
  minSamples: number,
): ClockSummary => {
  const c = clockOf(agg, clock)
  const enough = c.count >= Math.max(1, minSamples)
  const quantile = (p: number): number | null =>
    enough && c.minMs !== null && c.maxMs !== null
      ? percentile(c.buckets, c.count, c.minMs, c.maxMs, p)
      : null
  return {
    n: c.count,
    averageMs: average(agg, clock),
    p50Ms: quantile(0.5),
    p90Ms: quantile(0.9),
    percentilesWithheld: c.count > 0 && !enough,
    targetMs,
    withinTarget: targetMs === null ? null : fractionWithin(c.buckets, c.count, targetMs),
    buckets: c.buckets,
  }
}

// The largest finite bucket bound: a median in the overflow bucket is shown as "over 36 h".
const LAST_BOUND_MS = BUCKET_UPPER_MS[BUCKET_UPPER_MS.length - 2] ?? 0

const coverageOf = (agg: DailyAggregate, clock: Clock | null): ReadonlyArray<HourCoverage> =>
  agg.hours.map((alerts, hour) => {
    const buckets = clock === null ? [] : (hourlyOf(agg, clock)[hour] ?? [])
    const n = buckets.reduce((sum, b) => sum + b, 0)
    return { hour, alerts, n, medianMs: percentile(buckets, n, 0, LAST_BOUND_MS, 0.5) }
  })

// Reached only for distinct ids of one length with a > b (ids are the keys of one Map).
// Stryker disable next-line ConditionalExpression,EqualityOperator: V8's sort only asks whether a comparison is < 0, so 1 and 0 order alike.
const laterId = (a: string, b: string): number => (a > b ? 1 : 0)

// Snowflakes are decimal strings: shorter first, then lexicographic, is numeric order.
// Stryker disable next-line EqualityOperator: ids are the keys of one Map, never equal, so `<=` and `>=` change nothing.
const byId = (a: string, b: string): number => a.length - b.length || (a < b ? -1 : laterId(a, b))

const topResponders = (agg: DailyAggregate, topN: number): ReadonlyArray<ResponderSummary> =>
  [...agg.responders]
    .map(([id, credits]) => ({ id, credits, total: ROLES.reduce((n, r) => n + creditOf(credits, r), 0) }))
    .sort((a, b) => b.total - a.total || byId(a.id, b.id))
    .slice(0, Math.max(0, topN))

const peakOf = <K>(entries: ReadonlyArray<readonly [K, number]>): { key: K; count: number } | null => {
  let best: { key: K; count: number } | null = null
  for (const [key, count] of entries) if (count > (best?.count ?? 0)) best = { key, count }
  return best
}

const byClock = <A>(f: (clock: Clock) => A): ReadonlyMap<Clock, A> =>
  new Map(CLOCK_NAMES.map((c) => [c, f(c)]))

/** Summarises a period of daily aggregates against the previous period. */
export const summarize = (input: WeeklySummaryInput): WeeklySummary => {
  const minSamples = input.minSamples ?? DEFAULT_MIN_SAMPLES
  const days = periodDays(input.days)
  const week = days.reduce((acc, d) => merge(acc, d.aggregate), empty)
  const byDay = days.map((d) => ({
    day: d.day,
    alerts: countOf(d.aggregate, "totalAlerts"),
    bySeverity: { ...d.aggregate.severity },
  }))
  const coverageClock = HOURLY_CLOCK_NAMES[0] ?? null
  const peakDay = peakOf(byDay.map((d) => [d.day, d.alerts] as const))
  const peakHour = peakOf(week.hours.map((n, h) => [h, n] as const))
  const n = (counter: Parameters<typeof countOf>[1]): number => countOf(week, counter)
  return {
    startDay: days[0]?.day ?? input.days[0].day,
    endDay: days[days.length - 1]?.day ?? input.days[0].day,
    minSamples,
    totalAlerts: n("totalAlerts"),
    bySeverity: { ...week.severity },
    escalated: n("escalated"),
    byDay,
    peakDay: peakDay === null ? null : { day: peakDay.key, alerts: peakDay.count },
    peakHour: peakHour === null ? null : { hour: peakHour.key, alerts: peakHour.count },
    clocks: byClock((c) => clockSummary(week, c, input.targets[c] ?? null, minSamples)),
    coverage: coverageOf(week, coverageClock),
    coverageClock,
    acknowledged: n("acknowledged"),
    responded: n("responded"),
    resolved: n("resolved"),
    expired: n("expired"),
    unanswered: n("unanswered"),
    ash: {
      contacted: n("ashContacted"),
      manual: n("ashManual"),
      auto: n("ashAuto"),
      optedOut: n("optedOut"),
      contactFailed: n("contactFailed"),
    },
    topResponders: topResponders(week, input.topN ?? DEFAULT_TOP_N),
    change: {
      totalAlerts: change(n("totalAlerts"), countOf(input.previous, "totalAlerts")),
      averageMs: byClock((c) => {
        const now = average(week, c)
        const before = average(input.previous, c)
        return now === null || before === null ? null : change(now, before)
      }),
    },
  }
}
