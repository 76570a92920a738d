/**
 * At start-up, says what would keep Ash from reaching a member whose DMs are closed: no support
 * channel, a bot that may not open private threads there, or CRT roles that would not see them.
 */
import { Effect, Layer, Option } from "effect"
import { Discord } from "../../shell/discord/Discord.js"
import { SUPPORT_CHANNEL_NEEDS } from "../../shell/discord/DiscordPort.js"
import { BotSettings } from "../runtime/BotSettings.js"

export const checkSupportChannel = Effect.gen(function* () {
  const settings = yield* BotSettings
  const discord = yield* Discord
  if (Option.isNone(settings.supportChannelId))
    return yield* Effect.logWarning(
      "BOT_SUPPORT_CHANNEL_ID is not set: Ash cannot reach a member whose DMs are closed (the CRT is told on the alert)",
    )
  const channelId = settings.supportChannelId.value
  const access = yield* discord.channelAccess(channelId, SUPPORT_CHANNEL_NEEDS, settings.dispatch.crtRoleIds)
  const needed = access.botLacks.filter((p) => p !== "ManageThreads")
  if (needed.length > 0)
    yield* Effect.logError(
      `the bot lacks ${needed.join(", ")} in the support channel ${channelId}: members whose DMs are closed cannot be reached`,
    )
  if (access.botLacks.includes("ManageThreads"))
    yield* Effect.logWarning(
      `the bot lacks ManageThreads in the support channel ${channelId}: a thread whose welcome could not be posted cannot be deleted`,
    )
  if (access.rolesWithoutManageThreads.length > 0)
    yield* Effect.logWarning(
      `CRT role(s) ${access.rolesWithoutManageThreads.join(", ")} lack Manage Threads in the support channel ${channelId}: they will not see the private threads Ash opens (only the member and the CRT member who pressed Talk to Ash are added)`,
    )
}).pipe(Effect.catchAll((e) => Effect.logError(`the support channel could not be checked: ${e.message}`)))

/** The check, run once in the background when the bot starts. */
export const SupportChannel = {
  Check: Layer.scopedDiscard(Effect.forkScoped(checkSupportChannel)),
}
