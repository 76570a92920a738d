/**
 * The weekly report as embed data, within Discord's limits. Sections are embed fields with plain
 * lines: embeds use a proportional font, so column padding would not line up.
 */
import { WEEKDAY_NAMES, weekdayOf } from "./Calendar.js"
import { creditOf } from "./DailyAggregate.js"
import { formatDuration } from "./Duration.js"
import { CLOCKS, RESPONDER_ROLES } from "./milestones/Milestones.js"
import type { Change, ClockSummary, WeeklySummary } from "./WeeklySummary.js"

export interface ReportField {
  readonly name: string
  readonly value: string
  readonly inline: boolean
}

/** The subset of a Discord embed the report uses. */
export interface ReportEmbed {
  readonly title: string
  readonly description: string
  readonly color: number
  readonly fields: ReadonlyArray<ReportField>
  readonly footer: { readonly text: string }
  readonly timestamp?: string
}

export interface ReportOptions {
  /** The metrics timezone: the one the days and hours of the aggregates were counted in. */
  readonly timeZone: string
  readonly footerText?: string | undefined
  /** ISO-8601 instant of generation, from the shell's clock. */
  readonly timestamp?: string | undefined
}

export const REPORT_TITLE = "📊 Weekly Crisis Response Report"
/** The title of a report of any other number of days (`/metrics report`, `npm run report`). */
export const RANGE_REPORT_TITLE = "📊 Crisis Response Report"
export const REPORT_COLOR = 0x3498db
export const EMBED_LIMITS = { fieldValue: 1024, fieldName: 256, description: 4096, total: 6000 } as const

const NO_DATA = "No data"

// The summary has every declared clock, so this stands in for none and is never read.
// Stryker disable all: unreachable by construction, so no test can tell its values apart.
const NO_SAMPLES: ClockSummary = {
  n: 0,
  averageMs: null,
  p50Ms: null,
  p90Ms: null,
  percentilesWithheld: false,
  targetMs: null,
  withinTarget: null,
  buckets: [],
}
// Stryker restore all

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
] as const

const pad2 = (n: number): string => String(n).padStart(2, "0")
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`

const monthDay = (day: string): string =>
  `${MONTHS[Number(day.slice(5, 7)) - 1] ?? day.slice(5, 7)} ${day.slice(8, 10)}`

/** `2026-01-05` → `January 05, 2026`. */
export const longDate = (day: string): string => `${monthDay(day)}, ${day.slice(0, 4)}`

const weekday = (day: string): string => WEEKDAY_NAMES[weekdayOf(day)] ?? day

/** `14` → `14:00–15:00`. */
export const hourRange = (hour: number): string => `${pad2(hour)}:00–${pad2(hour + 1)}:00`

// Floors so that a target is only reported as 100 % met when every sample met it.
const percentOf = (fraction: number): string => `${Math.floor(fraction * 100 + 1e-9)}%`
const ms = (value: number): string => formatDuration(Math.round(value))

const signed = (c: Change, show: (n: number) => string): string => {
  if (c.absolute === 0) return "no change"
  // Stryker disable next-line EqualityOperator: `>=` differs only at 0, answered just above.
  const sign = c.absolute > 0 ? "+" : "-"
  const pct = c.percent === null ? "" : `, ${sign}${Math.abs(Math.round(c.percent))}%`
  return `${sign}${show(Math.abs(c.absolute))}${pct}`
}

/** Joins lines, dropping whole lines from the end (with a count) until the text fits `max`. */
export const fitLines = (lines: ReadonlyArray<string>, max: number): string => {
  const text = lines.join("\n")
  if (text.length <= max) return text
  // Stryker disable next-line ArithmeticOperator: keeping every line or more only adds a count to text already too long, so the first fit is the same.
  for (let keep = lines.length - 1; keep > 0; keep--) {
    const candidate = [...lines.slice(0, keep), `… and ${lines.length - keep} more`].join("\n")
    if (candidate.length <= max) return candidate
  }
  return `${text.slice(0, Math.max(0, max - 1))}…`
}

const alertSummary = (s: WeeklySummary): ReadonlyArray<string> =>
  s.totalAlerts === 0
    ? [`${NO_DATA} — no alerts were recorded in this period`]
    : [
        `Total alerts: **${s.totalAlerts}**`,
        `🔴 Critical: ${s.bySeverity.critical}`,
        `🟠 High: ${s.bySeverity.high}`,
        `🟡 Medium: ${s.bySeverity.medium}`,
        `⬆️ Escalations: ${s.escalated}`,
      ]

const clockLine = (label: string, c: ClockSummary, minSamples: number): string => {
  // No average means no samples.
  if (c.averageMs === null) return `**${label}**: ${NO_DATA}`
  const parts = [`avg ${ms(c.averageMs)}`]
  if (c.p50Ms !== null && c.p90Ms !== null) parts.push(`p50 ${ms(c.p50Ms)}`, `p90 ${ms(c.p90Ms)}`)
  else parts.push(`p50/p90 withheld (n < ${minSamples})`)
  if (c.withinTarget !== null && c.targetMs !== null) {
    parts.push(`${percentOf(c.withinTarget)} within ${ms(c.targetMs)}`)
  }
  return `**${label}** (n = ${c.n})\n${parts.join(" · ")}`
}

const responseTimes = (s: WeeklySummary): ReadonlyArray<string> =>
  CLOCKS.map((c) => clockLine(c.label, s.clocks.get(c.name) ?? NO_SAMPLES, s.minSamples))

const ashEngagement = (s: WeeklySummary): ReadonlyArray<string> =>
  s.totalAlerts === 0
    ? [NO_DATA]
    : [
        `Ash reached the member: ${s.ash.contacted}`,
        `• by Talk to Ash: ${s.ash.manual}`,
        `• automatically: ${s.ash.auto}`,
        `Opted out (human support only): ${s.ash.optedOut}`,
        `Alerts where contact failed: ${s.ash.contactFailed}`,
      ]

const busiestTimes = (s: WeeklySummary, timeZone: string): ReadonlyArray<string> => {
  if (s.peakDay === null) return [NO_DATA]
  const lines = [
    `Peak day: ${weekday(s.peakDay.day)}, ${monthDay(s.peakDay.day)} — ${plural(s.peakDay.alerts, "alert")}`,
    s.peakHour === null
      ? `Peak hour: ${NO_DATA}`
      : `Peak hour: ${hourRange(s.peakHour.hour)} ${timeZone} — ${plural(s.peakHour.alerts, "alert")}`,
  ]
  // One line per day reads well for a week; a long /metrics range keeps just the peaks.
  if (s.byDay.length <= 14) {
    lines.push(s.byDay.map((d) => `${weekday(d.day).slice(0, 3)} ${d.alerts}`).join(" · "))
  }
  return lines
}

const responders = (s: WeeklySummary): ReadonlyArray<string> =>
  s.topResponders.length === 0
    ? ["No responder data"]
    : s.topResponders.map(
        (r, i) =>
          `${i + 1}. <@${r.id}> — ${RESPONDER_ROLES.map((role) => plural(creditOf(r.credits, role.role), role.noun.one, role.noun.many)).join(", ")}`,
      )

const unanswered = (s: WeeklySummary): ReadonlyArray<string> => {
  if (s.totalAlerts === 0) return [NO_DATA]
  const closed = s.resolved + s.expired
  if (closed === 0) return ["No alert has been closed yet"]
  return [`**${s.unanswered}** of ${plural(closed, "closed alert")} had no human response`]
}

const changes = (s: WeeklySummary): ReadonlyArray<string> => {
  const total = s.change.totalAlerts
  if (total.current === 0 && total.previous === 0) return [NO_DATA]
  const lines = [
    total.previous === 0
      ? `Alerts: ${total.current} (previous period: 0)`
      : `Alerts: ${total.current} (${signed(total, String)})`,
  ]
  for (const clock of CLOCKS) {
    const c = s.change.averageMs.get(clock.name) ?? null
    lines.push(
      c === null
        ? `${clock.label}: ${NO_DATA} to compare`
        : `${clock.label}: avg ${ms(c.current)} (${signed(c, ms)})`,
    )
  }
  return lines
}

const definitions = (minSamples: number): ReadonlyArray<string> => [
  ...CLOCKS.map((c) => `**${c.label}**: ${c.definition}`),
  "**Unanswered**: closed (resolved or expired) with no human response.",
  `Averages use every sample; p50/p90 are estimated from fixed time buckets and withheld when n < ${minSamples}; “% within” is the share at or below the target.`,
]

const embedSize = (e: Omit<ReportEmbed, "timestamp">): number =>
  e.title.length +
  e.description.length +
  e.footer.text.length +
  e.fields.reduce((sum, f) => sum + f.name.length + f.value.length, 0)

/** The weekly report embed for a summary (PRODUCT.md §6–7). */
export const renderWeeklyReport = (s: WeeklySummary, options: ReportOptions): ReportEmbed => {
  const weekly = s.byDay.length === 7
  const period = weekly
    ? `Week of ${longDate(s.startDay)} – ${longDate(s.endDay)}`
    : `${longDate(s.startDay)} – ${longDate(s.endDay)} (${plural(s.byDay.length, "day")})`
  const sections: ReadonlyArray<readonly [string, ReadonlyArray<string>]> = [
    ["📈 Alert Summary", alertSummary(s)],
    ["⏱️ Response Times", responseTimes(s)],
    ["🤖 Ash Engagement", ashEngagement(s)],
    ["📅 Busiest Times", busiestTimes(s, options.timeZone)],
    ["🏆 CRT Responders", responders(s)],
    ["🚨 Unanswered", unanswered(s)],
    [
      weekly ? "📉 Change vs Previous Week" : `📉 Change vs Previous ${plural(s.byDay.length, "Day")}`,
      changes(s),
    ],
    ["📖 Definitions", definitions(s.minSamples)],
  ]
  const lines = sections.map(([, l]) => l)
  const base = {
    title: weekly ? REPORT_TITLE : RANGE_REPORT_TITLE,
    description: fitLines([period, `Days and hours in ${options.timeZone}.`], EMBED_LIMITS.description),
    color: REPORT_COLOR,
    footer: { text: fitLines([options.footerText ?? "Ash-Bot CRT alerting"], 2048) },
  }
  const build = (max: ReadonlyArray<number>): Omit<ReportEmbed, "timestamp"> => ({
    ...base,
    fields: sections.map(([name], i) => ({
      name,
      // Stryker disable next-line ArrayDeclaration: `lines` has an entry for every section, so the fallback is never used.
      value: fitLines(lines[i] ?? [NO_DATA], max[i] ?? EMBED_LIMITS.fieldValue),
      inline: false,
    })),
  })
  let max: ReadonlyArray<number> = sections.map(() => EMBED_LIMITS.fieldValue)
  let embed = build(max)
  // Only a very long responder list or footer can get here: shrink the longest field to fit.
  for (
    let excess = embedSize(embed) - EMBED_LIMITS.total;
    // Stryker disable next-line EqualityOperator: at 0 the target is the longest field's own length, so the loop breaks with the same embed.
    excess > 0;
    excess = embedSize(embed) - EMBED_LIMITS.total
  ) {
    const lengths = embed.fields.map((f) => f.value.length)
    const longest = lengths.indexOf(Math.max(...lengths))
    const target = Math.max(1, (lengths[longest] ?? 0) - excess)
    if (target >= (lengths[longest] ?? 0)) break
    max = max.map((m, i) => (i === longest ? target : m))
    embed = build(max)
  }
  return options.timestamp === undefined ? embed : { ...embed, timestamp: options.timestamp }
}
