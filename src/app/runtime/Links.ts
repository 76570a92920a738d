import type { IntakeMessage } from "../../core/Intake.js"

/** A link that opens the member's message in Discord: notices name a message by it, never by its text. */
export const jumpLink = (m: Pick<IntakeMessage, "guildId" | "channelId" | "messageId">): string =>
  `https://discord.com/channels/${m.guildId}/${m.channelId}/${m.messageId}`
