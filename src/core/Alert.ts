import { Schema } from "effect"
import { AlertSeverity } from "./Severity.js"

/** Alert ids are `alert_` followed by 12 lower-case hex digits (the seeds' format). */
export const AlertId = Schema.String.pipe(Schema.pattern(/^alert_[0-9a-f]{12}$/), Schema.brand("AlertId"))
export type AlertId = typeof AlertId.Type

/** A Discord snowflake as a decimal string. */
export const Snowflake = Schema.String.pipe(Schema.pattern(/^[0-9]{1,20}$/))

const EpochMs = Schema.Number.pipe(Schema.int(), Schema.nonNegative())

/**
 * A milestone reached once: when, by whom, and how long after the alert was created.
 * `skewed` marks an event stamped before creation (clocks of two processes disagreeing);
 * its elapsed time is then 0, never negative.
 */
export const Milestone = Schema.Struct({
  at: EpochMs,
  by: Schema.String,
  elapsedMs: EpochMs,
  skewed: Schema.Boolean,
})
export type Milestone = typeof Milestone.Type

export const AshContactMode = Schema.Literal("manual", "auto")
export type AshContactMode = typeof AshContactMode.Type

/** How Ash reached the member: a direct message, or a private thread when DMs are closed. */
export const ContactChannel = Schema.Literal("dm", "thread")
export type ContactChannel = typeof ContactChannel.Type

/** How the first human response was detected (PRODUCT.md §5). */
export const ResponseDetection = Schema.Literal(
  "thread_message",
  "source_reply",
  "source_mention",
  "self_reported",
)
export type ResponseDetection = typeof ResponseDetection.Type

export const CloseReason = Schema.Literal("resolved", "expired")
export type CloseReason = typeof CloseReason.Type

/** The milestones of an alert, each reached at most once. Add a milestone here and in Lifecycle. */
export const Milestones = Schema.Struct({
  acknowledged: Schema.NullOr(Milestone),
  ashContacted: Schema.NullOr(
    Schema.Struct({ ...Milestone.fields, mode: AshContactMode, via: ContactChannel }),
  ),
  responded: Schema.NullOr(Schema.Struct({ ...Milestone.fields, detection: ResponseDetection })),
  closed: Schema.NullOr(
    Schema.Struct({ ...Milestone.fields, reason: CloseReason, unanswered: Schema.Boolean }),
  ),
})
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

/** The alert's lifecycle state, derived from its milestones (PRODUCT.md §3). */
export type AlertState = "created" | "acknowledged" | "ash_contacted" | "responded" | "closed"

/** The most advanced state the alert has reached. */
export const stateOf = (alert: Alert): AlertState => {
  const m = alert.milestones
  if (m.closed !== null) return "closed"
  if (m.responded !== null) return "responded"
  if (m.ashContacted !== null) return "ash_contacted"
  if (m.acknowledged !== null) return "acknowledged"
  return "created"
}

/** Whether the alert still accepts events (it is not closed). */
export const isOpen = (alert: Alert): boolean => alert.milestones.closed === null
