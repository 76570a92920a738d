import { Schema } from "effect"

/**
 * A member's message as the bot keeps it between intake and alert (plain data). Kept in Redis
 * while the NLP cannot analyse it, so it has a schema: a record that does not decode is dropped
 * and logged, never taken for a message.
 */
export const IntakeMessage = Schema.Struct({
  guildId: Schema.String,
  channelId: Schema.String,
  messageId: Schema.String,
  authorId: Schema.String,
  authorName: Schema.String,
  authorAvatarUrl: Schema.optional(Schema.String),
  content: Schema.String,
  /** Discord's timestamp of the message. */
  sentAt: Schema.Number,
  /** Written to Ash by direct message rather than in a channel. */
  viaDm: Schema.optional(Schema.Boolean),
})
export type IntakeMessage = typeof IntakeMessage.Type

/** The parts of a Discord message the intake filter looks at. */
export interface IntakeCandidate {
  readonly authorIsBot: boolean
  readonly guildId: string | null
  readonly channelId: string
  /** The parent channel of a thread, so threads under a monitored channel are monitored too. */
  readonly parentChannelId: string | null
  readonly content: string
}

export interface IntakeRules {
  readonly guildId: string | null
  readonly monitoredChannels: ReadonlyArray<string>
}

export type IntakeVerdict =
  | "analyse"
  | "bot_author"
  | "not_in_guild"
  | "other_guild"
  | "channel_not_monitored"
  | "no_text"

/** Whether a message goes to the NLP. Empty and attachment-only messages never do. */
export const intakeVerdict = (m: IntakeCandidate, rules: IntakeRules): IntakeVerdict => {
  if (m.authorIsBot) return "bot_author"
  if (m.guildId === null) return "not_in_guild"
  if (rules.guildId !== null && m.guildId !== rules.guildId) return "other_guild"
  const monitored =
    rules.monitoredChannels.includes(m.channelId) ||
    (m.parentChannelId !== null && rules.monitoredChannels.includes(m.parentChannelId))
  if (!monitored) return "channel_not_monitored"
  if (m.content.trim() === "") return "no_text"
  return "analyse"
}
