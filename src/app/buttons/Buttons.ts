/** Alert buttons: every press decoded, authorised, answered within Discord's 3 s, then applied. */
import { Effect, Either, Layer, Option, Stream } from "effect"
import { decodeCustomId, OPT_OUT_ACTION } from "../../core/CustomId.js"
import { pressEvent } from "../../core/Lifecycle.js"
import { describeRejection, REPLIES } from "../../core/Replies.js"
import type { AlertStore } from "../../shell/AlertStore.js"
import { type ButtonPress, Discord } from "../../shell/discord/Discord.js"
import type { MemberStore } from "../../shell/MemberStore.js"
import type { ResponseIndex } from "../../shell/ResponseIndex.js"
import { AlertLifecycle } from "../alerts/AlertLifecycle.js"
import { optOutByMember } from "../contact/OptOut.js"
import { BotSettings } from "../runtime/BotSettings.js"
import { drainingRunner, SHUTDOWN_GRACE } from "../runtime/Handlers.js"

/**
 * One press: an unknown button, or an alert button pressed by a member without a CRT role, changes
 * nothing and is logged. The opt-out button on Ash's welcome is the member's own.
 */
export const handlePress = (press: ButtonPress) =>
  Effect.gen(function* () {
    const settings = yield* BotSettings
    const discord = yield* Discord
    const lifecycle = yield* AlertLifecycle
    const answer = (content: string) => discord.interactions.reply(press.interaction, { content })
    const followUp = (content: string) => discord.interactions.followUp(press.interaction, { content })
    const decoded = decodeCustomId(press.customId)
    if (Either.isLeft(decoded)) {
      yield* Effect.logWarning(
        `unknown or forged button ${JSON.stringify(decoded.left.received)} from ${press.userId}`,
      )
      return yield* answer(REPLIES.unknownButton)
    }
    const target = decoded.right
    if (target.action === OPT_OUT_ACTION) return yield* optOutByMember(press, target.alertId)
    if (!press.roleIds.some((r) => settings.dispatch.crtRoleIds.includes(r))) {
      yield* Effect.logWarning(
        `${press.userId} without a CRT role pressed ${target.action} on ${target.alertId}`,
      )
      return yield* answer(REPLIES.notCrt)
    }
    const event = pressEvent(target.action, press.userId)
    if (Option.isNone(event)) return yield* answer(REPLIES.unknownButton)
    // Answer Discord first; the store and the edit may take longer than its deadline allows.
    yield* discord.interactions.deferUpdate(press.interaction)
    const applied = yield* lifecycle.apply(target.alertId, event.value, press).pipe(Effect.either)
    if (Either.isRight(applied)) return
    const error = applied.left
    switch (error._tag) {
      case "EventRejected":
        return yield* followUp(describeRejection(error.rejection))
      case "AlertNotFound":
        return yield* followUp(REPLIES.alertMissing)
      case "AlertRecording":
        return yield* followUp(REPLIES.alertRecording)
      default:
        yield* Effect.logError(
          `${target.action} on ${target.alertId} by ${press.userId} not applied: ${error.message}`,
        )
        return yield* followUp(REPLIES.storeDown)
    }
  }).pipe(
    Effect.catchAllCause((cause) => Effect.logError("button press failed", cause)),
    Effect.annotateLogs({ interaction: press.interaction.id, customId: press.customId }),
  )

/** Every button press of the bot, for as long as it runs; one failure never stops the next. */
export const Buttons = {
  Live: Layer.scopedDiscard(
    Effect.gen(function* () {
      const discord = yield* Discord
      const run = yield* drainingRunner<
        AlertLifecycle | BotSettings | Discord | AlertStore | MemberStore | ResponseIndex
      >("button handlers", SHUTDOWN_GRACE)
      yield* discord.presses.pipe(
        Stream.runForEach((press) => Effect.sync(() => run(handlePress(press)))),
        Effect.forkScoped,
      )
    }),
  ),
}
