/**
 * When the weekly report is due: a weekday and an hour in a named timezone. Pure (the shell
 * passes the clock's `now`): the most recent report time, the next one, the days a report
 * covers, and the ISO week that names it.
 */
import { addDays, calendarOf, weekdayOf } from "./Calendar.js"

export interface ReportSchedule {
  /** 0 = Sunday … 6 = Saturday. */
  readonly weekday: number
  /** 0–23, in `timeZone`. */
  readonly hour: number
  readonly timeZone: string
}

/** One weekly report: when it is due, its ISO week, and the seven days it covers (the week before). */
export interface ReportOccasion {
  readonly at: number
  /** The local day the report is due on. */
  readonly day: string
  /** `YYYY-Www`, the ISO week of `day`: the report's name, once per week. */
  readonly week: string
  readonly firstDay: string
  readonly lastDay: string
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>()

/** The offset of `timeZone` from UTC at an instant, in milliseconds (east positive). */
export const offsetMsAt = (epochMs: number, timeZone: string): number => {
  let f = offsetFormatters.get(timeZone)
  // Stryker disable next-line ConditionalExpression: a cache; a new formatter gives the same answers.
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "longOffset" })
    offsetFormatters.set(timeZone, f)
  }
  // Stryker disable next-line StringLiteral: the formatter always names the offset.
  const name = f.formatToParts(epochMs).find((p) => p.type === "timeZoneName")?.value ?? "GMT"
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name)
  if (match === null) return 0
  const minutes = Number(match[2]) * 60 + Number(match[3])
  return (match[1] === "-" ? -minutes : minutes) * 60_000
}

/** The instant of `day` at `hour`:00 in `timeZone` (an hour that a clock change skips comes an hour late). */
export const instantOf = (day: string, hour: number, timeZone: string): number => {
  const wall = Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10)), hour)
  const first = wall - offsetMsAt(wall, timeZone)
  return wall - offsetMsAt(first, timeZone)
}

/** The ISO-8601 week of a `YYYY-MM-DD` day, `YYYY-Www`. */
export const isoWeekOf = (day: string): string => {
  const date = new Date(`${day}T00:00:00Z`)
  // The Thursday of the day's week decides its ISO year.
  const thursday = addDays(day, 3 - ((weekdayOf(day) + 6) % 7))
  const year = Number(thursday.slice(0, 4))
  const jan4 = `${year}-01-04`
  const week1Monday = addDays(jan4, -((weekdayOf(jan4) + 6) % 7))
  const week = Math.floor((date.getTime() - Date.parse(`${week1Monday}T00:00:00Z`)) / (7 * 86_400_000)) + 1
  return `${year}-W${String(week).padStart(2, "0")}`
}

const occasionOn = (day: string, schedule: ReportSchedule): ReportOccasion => ({
  at: instantOf(day, schedule.hour, schedule.timeZone),
  day,
  week: isoWeekOf(day),
  firstDay: addDays(day, -7),
  lastDay: addDays(day, -1),
})

/** The most recent report time at or before `now`. */
export const latestOccasion = (now: number, schedule: ReportSchedule): ReportOccasion => {
  const today = calendarOf(now, schedule.timeZone).day
  // The report weekday within the last seven days (today included); if its hour is still ahead, a week before.
  // Stryker disable next-line ArithmeticOperator: "- 7" lands a week ahead, which the check below brings back.
  const back = (weekdayOf(today) - schedule.weekday + 7) % 7
  const occasion = occasionOn(addDays(today, -back), schedule)
  return occasion.at <= now ? occasion : occasionOn(addDays(occasion.day, -7), schedule)
}

/** The report time after `occasion`: a week later, at the same local hour. */
export const nextOccasion = (occasion: ReportOccasion, schedule: ReportSchedule): ReportOccasion =>
  occasionOn(addDays(occasion.day, 7), schedule)

/** The Monday of an ISO week `YYYY-Www`, or null when there is no such week. */
export const mondayOfIsoWeek = (week: string): string | null => {
  const match = /^(\d{4})-W(\d{2})$/.exec(week)
  if (match === null) return null
  const jan4 = `${match[1]}-01-04`
  const monday = addDays(addDays(jan4, -((weekdayOf(jan4) + 6) % 7)), (Number(match[2]) - 1) * 7)
  return isoWeekOf(monday) === week ? monday : null
}

/** The weekday names accepted in configuration, Sunday first (as `weekdayOf`). */
export const WEEKDAYS = [
  "sunday",
  "monday",
  "tuesday",
  "wednesday",
  "thursday",
  "friday",
  "saturday",
] as const
export type Weekday = (typeof WEEKDAYS)[number]
