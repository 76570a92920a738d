/**
 * At start-up, says what would keep an alert or its conversation from reaching the CRT: an
 * alert channel where the bot may not post the alert, or not start the conversation thread on it.
 */
import { Effect, Layer } from "effect"
import { ALERT_CHANNEL_NEEDS, Discord } from "../../shell/discord/Discord.js"
import { BotSettings } from "../runtime/BotSettings.js"

/** Posting the alert needs these; the rest are for its conversation thread. */
const TO_POST = new Set<string>(["ViewChannel", "SendMessages", "EmbedLinks"])

export const checkAlertChannels = Effect.gen(function* () {
  const settings = yield* BotSettings
  const discord = yield* Discord
  const { monitor, crisis, critical } = settings.dispatch.channels
  for (const channelId of new Set([...monitor, ...crisis, ...critical])) {
    const access = yield* discord.channelAccess(channelId, ALERT_CHANNEL_NEEDS, []).pipe(Effect.either)
    if (access._tag === "Left") {
      yield* Effect.logError(`the alert channel ${channelId} could not be checked: ${access.left.message}`)
      continue
    }
    const lacks = access.right.botLacks
    const toPost = lacks.filter((p) => TO_POST.has(p))
    const forThreads = lacks.filter((p) => !TO_POST.has(p))
    if (toPost.length > 0)
      yield* Effect.logError(
        `the bot lacks ${toPost.join(", ")} in the alert channel ${channelId}: alerts cannot be posted there (the next channel configured takes them)`,
      )
    if (forThreads.length > 0)
      yield* Effect.logWarning(
        `the bot lacks ${forThreads.join(", ")} in the alert channel ${channelId}: no conversation thread can be opened on its alerts (members' DMs are shown as replies to the alert instead)`,
      )
  }
})

/** The check, run once in the background when the bot starts. */
export const AlertChannels = {
  Check: Layer.scopedDiscard(Effect.forkScoped(checkAlertChannels)),
}
