/** Pinging the CRT again on an alert: the reply, and how it is sent. */
import { Effect, Schedule } from "effect"
import type { Alert } from "../../core/Alert.js"
import { pingRolesFor } from "../../core/Dispatch.js"
import type { RenotifyReason } from "../../core/Lifecycle.js"
import type {
  DiscordError,
  DiscordService,
  MessageRef,
  OutgoingMessage,
} from "../../shell/discord/Discord.js"

const TEXT: Readonly<Record<RenotifyReason, string>> = {
  unacknowledged: "⏰ This alert is still unacknowledged. Can someone take it?",
  contact_failed: "⚠️ Ash could not reach the member. Please reach out personally.",
  opted_out: "👤 The member prefers human support. Please reach out personally.",
  severity_raised:
    "⬆️ The member's latest message to Ash reads as more severe: this alert was raised. Please look now.",
}

/** The reply that pings the CRT again on an alert. */
const renotifyMessage = (reason: RenotifyReason, crtRoleIds: ReadonlyArray<string>): OutgoingMessage => {
  // A re-ping exists to wake people up, so every severity pings here, MEDIUM included.
  const roles = pingRolesFor("critical", crtRoleIds)
  return {
    content: `${roles.map((r) => `<@&${r}>`).join(" ")} ${TEXT[reason]}`.trim(),
    allowedMentions: { parse: [], roles, users: [], repliedUser: false },
  }
}

/**
 * What is retried when the bot writes about an alert: a Discord outage (5xx, network), a few times
 * with back-off, because the CRT must see it. A refusal (403, 404, 4xx) would fail again.
 */
export const OUTAGE_RETRY = {
  schedule: Schedule.exponential("500 millis").pipe(Schedule.intersect(Schedule.recurs(3))),
  while: (e: DiscordError) => e.kind === "unavailable",
}

/** The alert's message on Discord. */
export const alertRef = (alert: Alert): MessageRef => ({
  channelId: alert.origin.alertChannelId,
  messageId: alert.origin.alertMessageId,
})

/** Ping the CRT again, as a reply to the alert; a failure is logged, never raised. */
export const pingCrt = (
  discord: DiscordService,
  crtRoleIds: ReadonlyArray<string>,
  alert: Alert,
  reason: RenotifyReason,
): Effect.Effect<void> =>
  discord.reply(alertRef(alert), renotifyMessage(reason, crtRoleIds)).pipe(
    Effect.retry(OUTAGE_RETRY),
    Effect.asVoid,
    Effect.catchAll((e) => Effect.logError(`CRT NOT re-pinged (${reason}): ${e.message}`)),
  )
