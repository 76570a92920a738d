/**
 * Calendar arithmetic in a named IANA timezone, using the platform's Intl tables (pure: no clock).
 */

const formatters = new Map<string, Intl.DateTimeFormat>()

const formatterFor = (timeZone: string): Intl.DateTimeFormat => {
  let f = formatters.get(timeZone)
  // Stryker disable next-line ConditionalExpression: a cache; a new formatter gives the same answers.
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      hourCycle: "h23",
    })
    formatters.set(timeZone, f)
  }
  return f
}

/** Whether `timeZone` is a name the platform knows. */
export const isValidTimeZone = (timeZone: string): boolean => {
  try {
    formatterFor(timeZone)
    return true
  } catch {
    return false
  }
}

/** The calendar day (`YYYY-MM-DD`) and hour (0–23) of an instant in `timeZone`. */
export const calendarOf = (epochMs: number, timeZone: string): { day: string; hour: number } => {
  const parts = formatterFor(timeZone).formatToParts(epochMs)
  const get = (type: Intl.DateTimeFormatPartTypes): string =>
    // Stryker disable next-line StringLiteral: the formatter always gives year, month, day and hour.
    parts.find((p) => p.type === type)?.value ?? "00"
  return { day: `${get("year")}-${get("month")}-${get("day")}`, hour: Number(get("hour")) % 24 }
}

const DAY_MS = 86_400_000

/** The day `n` days after `day` (negative goes back). Works on dates, not instants. */
export const addDays = (day: string, n: number): string => {
  const ms =
    Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10))) + n * DAY_MS
  return new Date(ms).toISOString().slice(0, 10)
}

/** The weekday of a `YYYY-MM-DD` day, 0 = Sunday. */
export const weekdayOf = (day: string): number =>
  new Date(
    Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10))),
  ).getUTCDay()

export const WEEKDAY_NAMES = [
  "Sunday",
  "Monday",
  "Tuesday",
  "Wednesday",
  "Thursday",
  "Friday",
  "Saturday",
] as const
