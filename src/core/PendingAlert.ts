/**
 * An alert on its way to the CRT: written before it is posted, completed with where it was
 * posted, and forgotten once the alert itself is on record. A process that dies between the two
 * leaves it behind, and the next sweep finishes the job: posts it, or only records it when the
 * post had happened. It holds the member's text (the alert shows it) for that short while only.
 */
import { Schema } from "effect"
import { Alert, Snowflake } from "./Alert.js"
import type { NewAlert } from "./Lifecycle.js"

const AlertAnalysis = Schema.Struct({
  confidence: Schema.Number,
  recommendedAction: Schema.optional(Schema.String),
  keyFactors: Schema.Array(Schema.String),
  requestId: Schema.String,
  processingTimeMs: Schema.NullOr(Schema.Number),
  escalation: Schema.optional(Schema.Struct({ trend: Schema.String, messageCount: Schema.Number })),
})

const MessageInput = Schema.Struct({
  analysis: AlertAnalysis,
  member: Schema.Struct({ displayName: Schema.String, avatarUrl: Schema.optional(Schema.String) }),
  text: Schema.String,
  crtRoleIds: Schema.Array(Snowflake),
  viaDm: Schema.optional(Schema.Boolean),
})

const NewAlertSchema = Alert.pick(
  "id",
  "origin",
  "severity",
  "escalated",
  "channelSensitivity",
  "crisisScore",
  "messageAt",
  "createdAt",
  "day",
  "hour",
  "optedOut",
)

/** Where an alert was posted. */
export const PostedRef = Schema.Struct({ channelId: Snowflake, messageId: Snowflake })
export type PostedRef = typeof PostedRef.Type

export const PendingAlert = Schema.Struct({
  /** The alert as it will be created; its origin names the first channel and no message yet. */
  alert: NewAlertSchema,
  message: MessageInput,
  /** The channels to try, in order. */
  channels: Schema.Array(Snowflake),
  /** Set once the post succeeded: a sweep then records the alert without posting it again. */
  posted: Schema.NullOr(PostedRef),
})
export type PendingAlert = typeof PendingAlert.Type

/** The message input of the post (its schema mirrors `AlertMessageInput`). */
export type PendingMessage = PendingAlert["message"]

/** The alert as created once posted at `ref`. */
export const postedAlert = (pending: PendingAlert, ref: PostedRef): NewAlert => ({
  ...pending.alert,
  origin: { ...pending.alert.origin, alertChannelId: ref.channelId, alertMessageId: ref.messageId },
})
