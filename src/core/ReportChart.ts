/**
 * What the report's chart shows, as plain series computed from the summary: alerts per day by
 * severity; the distribution of the time to acknowledge with the target marked; and coverage by
 * hour of day (alerts, and the median time to acknowledge of the alerts created in that hour).
 * The shell draws it (`shell/ReportChartImage.ts`); nothing here knows how.
 */
import { WEEKDAY_NAMES, weekdayOf } from "./Calendar.js"
import { formatDuration } from "./Duration.js"
import { BUCKET_UPPER_MS } from "./Histogram.js"
import { CLOCKS } from "./milestones/Milestones.js"
import { ALERT_SEVERITIES, type AlertSeverity } from "./Severity.js"
import type { WeeklySummary } from "./WeeklySummary.js"

export interface ChartBar {
  readonly label: string
  readonly value: number
}

export interface ReportChartData {
  readonly title: string
  readonly subtitle: string
  /** Day labels, and per severity one count per day (same order). */
  readonly days: {
    readonly labels: ReadonlyArray<string>
    readonly series: ReadonlyArray<{
      readonly severity: AlertSeverity
      readonly counts: ReadonlyArray<number>
    }>
  }
  /** The time-to-acknowledge histogram, from its first to its last non-empty bucket (and the target's). */
  readonly acknowledge: {
    readonly label: string
    readonly bars: ReadonlyArray<ChartBar>
    /** Index in `bars` of the bucket holding the target; null without a target or samples. */
    readonly targetIndex: number | null
    readonly targetLabel: string | null
    readonly n: number
  }
  /** 24 hours: alerts created in the hour, and the median of the hourly clock (minutes) with its n. */
  readonly hours: {
    readonly labels: ReadonlyArray<string>
    readonly alerts: ReadonlyArray<number>
    readonly medianMinutes: ReadonlyArray<number | null>
    readonly n: ReadonlyArray<number>
    readonly clockLabel: string
  }
  readonly empty: boolean
}

export const SEVERITY_LABEL: { readonly [S in AlertSeverity]: string } = {
  critical: "Critical",
  high: "High",
  medium: "Medium",
}

const pad2 = (n: number): string => String(n).padStart(2, "0")

/** `Mon 16` for a week or two; `11-16` for longer ranges. */
const dayLabel = (day: string, long: boolean): string =>
  long ? day.slice(5) : `${(WEEKDAY_NAMES[weekdayOf(day)] ?? "").slice(0, 3)} ${day.slice(8, 10)}`

const bucketLabel = (i: number): string => {
  const upper = BUCKET_UPPER_MS[i] ?? Number.POSITIVE_INFINITY
  return Number.isFinite(upper)
    ? `≤${formatDuration(upper)}`
    : `>${formatDuration(BUCKET_UPPER_MS[i - 1] ?? 0)}`
}

const bucketOfTarget = (targetMs: number): number => {
  const i = BUCKET_UPPER_MS.findIndex((upper) => targetMs <= upper)
  return i === -1 ? BUCKET_UPPER_MS.length - 1 : i
}

const acknowledgeOf = (s: WeeklySummary): ReportChartData["acknowledge"] => {
  const clock = CLOCKS.find((c) => c.name === s.coverageClock) ?? CLOCKS[0]
  const summary = clock === undefined ? undefined : s.clocks.get(clock.name)
  const label = clock?.label ?? "Time to acknowledge"
  if (summary === undefined || summary.n === 0)
    return { label, bars: [], targetIndex: null, targetLabel: null, n: 0 }
  const used = summary.buckets.flatMap((n, i) => (n > 0 ? [i] : []))
  const target = summary.targetMs === null ? null : bucketOfTarget(summary.targetMs)
  const first = Math.min(...used, target ?? Number.POSITIVE_INFINITY)
  const last = Math.max(...used, target ?? Number.NEGATIVE_INFINITY)
  const bars = Array.from({ length: last - first + 1 }, (_, k) => ({
    label: bucketLabel(first + k),
    value: summary.buckets[first + k] ?? 0,
  }))
  return {
    label,
    bars,
    targetIndex: target === null ? null : target - first,
    targetLabel: summary.targetMs === null ? null : `target ${formatDuration(summary.targetMs)}`,
    n: summary.n,
  }
}

const hoursOf = (s: WeeklySummary): ReportChartData["hours"] => ({
  labels: s.coverage.map((h) => pad2(h.hour)),
  alerts: s.coverage.map((h) => h.alerts),
  medianMinutes: s.coverage.map((h) => (h.medianMs === null ? null : Math.round(h.medianMs / 600) / 100)),
  n: s.coverage.map((h) => h.n),
  clockLabel: CLOCKS.find((c) => c.name === s.coverageClock)?.label ?? "Time to acknowledge",
})

/** The chart's series for a summary; the title names the period and the timezone of its hours. */
export const reportChartData = (s: WeeklySummary, timeZone: string): ReportChartData => {
  const long = s.byDay.length > 14
  return {
    title: "Crisis Response Report",
    subtitle: `${s.startDay} – ${s.endDay} · ${s.totalAlerts} alerts · hours in ${timeZone}`,
    days: {
      labels: s.byDay.map((d) => dayLabel(d.day, long)),
      series: [...ALERT_SEVERITIES]
        .reverse()
        .map((severity) => ({ severity, counts: s.byDay.map((d) => d.bySeverity[severity]) })),
    },
    acknowledge: acknowledgeOf(s),
    hours: hoursOf(s),
    empty: s.totalAlerts === 0,
  }
}
