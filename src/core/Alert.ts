import { Schema } from "effect"
import { AshContactMode } from "./milestones/AshContacted.js"
import { EpochMs } from "./milestones/Declaration.js"
import { MILESTONE_LIST, MilestonesSchema } from "./milestones/Milestones.js"
import { AlertSeverity } from "./Severity.js"

/** Alert ids are `alert_` followed by 12 lower-case hex digits (the seeds' format). */
// Stryker disable next-line StringLiteral: a brand's name exists only for the type checker.
export const AlertId = Schema.String.pipe(Schema.pattern(/^alert_[0-9a-f]{12}$/), Schema.brand("AlertId"))
export type AlertId = typeof AlertId.Type

/** A Discord snowflake as a decimal string. */
export const Snowflake = Schema.String.pipe(Schema.pattern(/^[0-9]{1,20}$/))

/** The milestones of an alert, each reached at most once (declared in `milestones/`). */
export const Milestones = MilestonesSchema
export type Milestones = typeof Milestones.Type

/** A contact with the member that has been asked for but whose outcome is not known yet. */
export const ContactRequest = Schema.Struct({ mode: AshContactMode, by: Schema.String, at: EpochMs })
export type ContactRequest = typeof ContactRequest.Type

/** When the alert's timers fall due; null when that timer is off for this alert. */
export const Deadlines = Schema.Struct({
  autoContactAt: Schema.NullOr(EpochMs),
  renotifyAt: Schema.NullOr(EpochMs),
  expireAt: EpochMs,
})
export type Deadlines = typeof Deadlines.Type

/** Where the alert came from and where it was posted. Fixed at creation. */
export const AlertOrigin = Schema.Struct({
  guildId: Snowflake,
  memberId: Snowflake,
  sourceChannelId: Snowflake,
  sourceMessageId: Snowflake,
  alertChannelId: Snowflake,
  alertMessageId: Snowflake,
})
export type AlertOrigin = typeof AlertOrigin.Type

/**
 * The whole state of one alert. It carries no message text: metrics and exports built from it
 * cannot leak what the member wrote.
 */
export const Alert = Schema.Struct({
  id: AlertId,
  version: Schema.Number.pipe(Schema.int(), Schema.nonNegative()),
  origin: AlertOrigin,
  severity: AlertSeverity,
  /** The severity the alert was posted with, once a later message of the member raised it. */
  raisedFrom: Schema.optionalWith(Schema.NullOr(AlertSeverity), { default: () => null, exact: true }),
  escalated: Schema.Boolean,
  channelSensitivity: Schema.Number,
  crisisScore: Schema.Number,
  /** When the member's message was sent (Discord's timestamp). */
  messageAt: EpochMs,
  /** When the alert message was posted. Every duration counts from here. */
  createdAt: EpochMs,
  /** The metrics day this alert belongs to (its creation day in the metrics timezone). */
  day: Schema.String.pipe(Schema.pattern(/^\d{4}-\d{2}-\d{2}$/)),
  /** Hour of day (0–23) of creation in the metrics timezone. */
  hour: Schema.Number.pipe(Schema.int(), Schema.between(0, 23)),
  deadlines: Deadlines,
  milestones: Milestones,
  contactRequest: Schema.NullOr(ContactRequest),
  contactFailures: Schema.Number.pipe(Schema.int(), Schema.nonNegative()),
  optedOut: Schema.Boolean,
  renotified: Schema.Boolean,
  /** Flagged messages from the same member suppressed by the cooldown while this alert was open. */
  suppressedRepeats: Schema.Number.pipe(Schema.int(), Schema.nonNegative()),
})
export type Alert = typeof Alert.Type

import type { AlertState } from "./milestones/Milestones.js"

export type { AlertState }

/** The most advanced state the alert has reached: its latest milestone's, else `created`. */
export const stateOf = (alert: Alert): AlertState => {
  let state: AlertState = "created"
  for (const m of MILESTONE_LIST) if (alert.milestones[m.key] !== null) state = m.state
  return state
}

/** Whether the alert still accepts events (no terminal milestone is reached). */
export const isOpen = (alert: Alert): boolean =>
  MILESTONE_LIST.every((m) => !m.terminal || alert.milestones[m.key] === null)
