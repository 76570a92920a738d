/**
 * The export of alerts for analysis (PRODUCT.md §7): one row per alert with its severity, the
 * time of each milestone, the durations, how contact and response happened, and whether it went
 * unanswered. No message text (an alert record has none) and no raw Discord id: the member and
 * every responder appear as pseudonyms, a keyed hash the shell computes, so that the same person
 * is the same pseudonym across rows and exports made with the same key; so does the alert's id,
 * and times are given to the minute, so that no row leads back to the alert message. The
 * milestone columns are the milestones' own declarations.
 */
import type { Alert } from "./Alert.js"
import type { ExportValue } from "./milestones/Declaration.js"
import { MILESTONE_LIST } from "./milestones/Milestones.js"

export type { ExportValue }

/** A member's or responder's id (or an alert's) → its pseudonym. */
export type Pseudonym = (id: string) => string

export type ExportFormat = "csv" | "json"

const snake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)

const ALERT_COLUMNS = [
  "alert_id",
  "day",
  "hour",
  "created_at",
  "severity",
  "raised_to",
  "escalated",
  "member",
  "opted_out",
  "contact_failures",
  "suppressed_repeats",
] as const

const MILESTONE_COLUMNS: ReadonlyArray<string> = MILESTONE_LIST.flatMap((m) => {
  const name = snake(m.key)
  return [`${name}_at`, `${name}_by`, `${name}_after_ms`, ...m.exported.columns.map((c) => `${name}_${c}`)]
})

/** Every column, in order. */
export const EXPORT_COLUMNS: ReadonlyArray<string> = [...ALERT_COLUMNS, ...MILESTONE_COLUMNS, "unanswered"]

const iso = (ms: number): string => new Date(ms).toISOString()

// The bot's own actors are kept as words; anyone else, whatever their id looks like, is hashed.
const AUTOMATIC = new Set(["auto", "clock"])
const actorOf = (by: string, pseudonym: Pseudonym): string => (AUTOMATIC.has(by) ? by : pseudonym(by))

const MINUTE = 60_000
/**
 * Times to the minute: an exact millisecond would match the alert message's own timestamp and
 * lead back to it; the durations (`*_after_ms`) stay exact.
 */
const minuteOf = (ms: number): string => iso(Math.floor(ms / MINUTE) * MINUTE)

const milestoneCells = (alert: Alert, pseudonym: Pseudonym): ReadonlyArray<ExportValue> =>
  MILESTONE_LIST.flatMap((m): ReadonlyArray<ExportValue> => {
    const reached = alert.milestones[m.key]
    if (reached === null) return [null, null, null, ...m.exported.columns.map(() => null)]
    // Each declaration reads its own milestone's data; the list only loses which one it is.
    const details = (m.exported.values as (r: typeof reached) => ReadonlyArray<ExportValue>)(reached)
    return [minuteOf(reached.at), actorOf(reached.by, pseudonym), reached.elapsedMs, ...details]
  })

/** The alert's row, one value per column of `EXPORT_COLUMNS`. */
export const exportRow = (alert: Alert, pseudonym: Pseudonym): ReadonlyArray<ExportValue> => [
  // The alert's id is in its buttons, on the message that names the member: hashed too.
  pseudonym(alert.id),
  alert.day,
  alert.hour,
  minuteOf(alert.createdAt),
  alert.raisedFrom ?? alert.severity,
  alert.raisedFrom === null ? null : alert.severity,
  alert.escalated,
  pseudonym(alert.origin.memberId),
  alert.optedOut,
  alert.contactFailures,
  alert.suppressedRepeats,
  ...milestoneCells(alert, pseudonym),
  alert.milestones.closed?.unanswered ?? false,
]

// ---------------------------------------------------------------------------------------------
// Formats: written a row at a time, so that a large export never sits in memory whole.
// ---------------------------------------------------------------------------------------------

const csvCell = (value: ExportValue): string => {
  if (value === null) return ""
  const text = String(value)
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** The file's opening: the CSV header line, or the start of a JSON array. */
export const exportHead = (format: ExportFormat): string =>
  format === "csv" ? `${EXPORT_COLUMNS.join(",")}\n` : "["

/** One row as text; `first` tells JSON whether a separator goes before it. */
export const exportLine = (format: ExportFormat, row: ReadonlyArray<ExportValue>, first: boolean): string => {
  if (format === "csv") return `${row.map(csvCell).join(",")}\n`
  const record = Object.fromEntries(EXPORT_COLUMNS.map((c, i) => [c, row[i] ?? null]))
  return `${first ? "\n" : ",\n"}${JSON.stringify(record)}`
}

/** The file's end. */
export const exportTail = (format: ExportFormat): string => (format === "csv" ? "" : "\n]\n")
