/**
 * The days a `/metrics report` covers: the last `days` days up to today, or `from`–`to`. Pure:
 * the shell passes today (in the metrics timezone) and the command's options.
 */
import { Either } from "effect"
import { addDays } from "./Calendar.js"

export interface ReportRange {
  readonly firstDay: string
  readonly days: number
}

/** The longest range one report covers. */
export const MAX_REPORT_DAYS = 366

const DAY = /^\d{4}-\d{2}-\d{2}$/

const isDay = (s: string): boolean => DAY.test(s) && addDays(s, 0) === s

const daysBetween = (from: string, to: string): number =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1

/** The range, or what is wrong with the options, in words for the CRT member who asked. */
export const reportRange = (
  options: {
    readonly days?: number | undefined
    readonly from?: string | undefined
    readonly to?: string | undefined
  },
  today: string,
): Either.Either<ReportRange, string> => {
  const { days, from, to } = options
  if (from !== undefined || to !== undefined) {
    if (days !== undefined) return Either.left("Give either `days` or `from` and `to`, not both.")
    if (from === undefined || to === undefined) return Either.left("Give both `from` and `to` (YYYY-MM-DD).")
    if (!isDay(from) || !isDay(to))
      return Either.left("`from` and `to` are days written YYYY-MM-DD, e.g. 2026-11-01.")
    const n = daysBetween(from, to)
    if (n < 1) return Either.left("`from` must not be after `to`.")
    if (n > MAX_REPORT_DAYS) return Either.left(`A report covers at most ${MAX_REPORT_DAYS} days.`)
    return Either.right({ firstDay: from, days: n })
  }
  const n = days ?? 7
  if (!Number.isInteger(n) || n < 1 || n > MAX_REPORT_DAYS)
    return Either.left(`\`days\` is a whole number from 1 to ${MAX_REPORT_DAYS}.`)
  return Either.right({ firstDay: addDays(today, 1 - n), days: n })
}
