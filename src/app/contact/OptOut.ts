/**
 * "I'd rather talk to a person": the member's button on Ash's welcome, and `/ash optout` for the
 * CRT. The choice is kept for `BOT_USER_OPTOUT_TTL_DAYS`; Ash then never contacts the member, and
 * the member's open alert says so and pings the CRT to reach out personally.
 */
import { Effect, Either, Option } from "effect"
import type { Alert, AlertId } from "../../core/Alert.js"
import type { LifecycleEvent } from "../../core/Lifecycle.js"
import { optOutConfirmation, REPLIES } from "../../core/Replies.js"
import { AlertStore } from "../../shell/AlertStore.js"
import { type ButtonPress, type CommandInvocation, Discord } from "../../shell/discord/Discord.js"
import { MemberStore } from "../../shell/MemberStore.js"
import { ResponseIndex } from "../../shell/ResponseIndex.js"
import { AlertLifecycle } from "../alerts/AlertLifecycle.js"
import { pingCrt } from "../alerts/Renotify.js"
import { BotSettings } from "../runtime/BotSettings.js"

const DAY_MS = 86_400_000

/**
 * Apply the opt-out to an alert; whether the alert now shows it (applied now, or earlier: the CRT
 * was told then). A closed alert, a missing one or a store that does not answer: false.
 */
const applyTo = (alertId: AlertId, event: LifecycleEvent) =>
  Effect.flatMap(AlertLifecycle, (lifecycle) => lifecycle.apply(alertId, event)).pipe(
    Effect.as(true),
    Effect.catchAll((e) =>
      e._tag === "EventRejected" && e.rejection._tag === "AlreadyOptedOut"
        ? Effect.succeed(true)
        : Effect.as(Effect.logInfo(`${event._tag} not applied to ${alertId}: ${e._tag}`), false),
    ),
  )

/**
 * The member's opt-out reaches the CRT: on the alert it was pressed on, else on the member's newer
 * open alert, else (every alert of theirs is closed) as a ping under the alert it was pressed on.
 */
const tellTheCrt = (alert: Alert) =>
  Effect.gen(function* () {
    if (yield* applyTo(alert.id, OPTED_OUT)) return
    const responses = yield* ResponseIndex
    const open = yield* responses
      .openAlert(alert.origin.guildId, alert.origin.memberId)
      .pipe(Effect.orElseSucceed(() => Option.none()))
    if (
      Option.isSome(open) &&
      open.value.alertId !== alert.id &&
      (yield* applyTo(open.value.alertId, OPTED_OUT))
    )
      return
    const discord = yield* Discord
    const settings = yield* BotSettings
    yield* pingCrt(discord, settings.dispatch.crtRoleIds, alert, "opted_out")
  })

const OPTED_OUT: LifecycleEvent = { _tag: "MemberOptedOut" }

/** The member pressed the opt-out button of alert `alertId` (in a DM or their private thread). */
export const optOutByMember = (press: ButtonPress, alertId: AlertId) =>
  Effect.gen(function* () {
    const discord = yield* Discord
    const settings = yield* BotSettings
    const store = yield* AlertStore
    const members = yield* MemberStore
    const answer = (content: string) => discord.interactions.reply(press.interaction, { content })
    const found = yield* store.get(alertId).pipe(Effect.either)
    if (Either.isLeft(found)) return yield* answer(REPLIES.optOutNotSaved)
    if (Option.isNone(found.right)) return yield* answer(REPLIES.optOutExpired)
    const alert = found.right.value
    if (press.userId !== alert.origin.memberId) {
      yield* Effect.logWarning(`${press.userId} pressed the opt-out of another member on ${alertId}`)
      return yield* answer(REPLIES.notYourOptOut)
    }
    const saved = yield* members
      .setOptOut(alert.origin.guildId, alert.origin.memberId, settings.optOutTtlMs)
      .pipe(Effect.either)
    if (Either.isLeft(saved)) {
      yield* Effect.logError(`opt-out of the member of ${alertId} not saved: ${saved.left.message}`)
      return yield* answer(REPLIES.optOutNotSaved)
    }
    yield* answer(optOutConfirmation(Math.round(settings.optOutTtlMs / DAY_MS)))
    yield* Effect.logInfo(`the member of ${alertId} prefers human support`)
    yield* tellTheCrt(alert)
  })

/** `/ash optout member:<user> [clear:true]` by a CRT member (roles checked by the caller). */
export const optOutByCommand = (command: CommandInvocation, guildId: string) =>
  Effect.gen(function* () {
    const discord = yield* Discord
    const settings = yield* BotSettings
    const members = yield* MemberStore
    const responses = yield* ResponseIndex
    const answer = (content: string) => discord.interactions.reply(command.interaction, { content })
    const memberId = command.options.member
    if (typeof memberId !== "string") return yield* answer("Name the member: `/ash optout member:@someone`.")
    const clear = command.options.clear === true
    const days = Math.round(settings.optOutTtlMs / DAY_MS)
    const saved = yield* (
      clear
        ? members.clearOptOut(guildId, memberId)
        : members.setOptOut(guildId, memberId, settings.optOutTtlMs)
    ).pipe(Effect.either)
    if (Either.isLeft(saved)) {
      yield* Effect.logError(`opt-out of ${memberId} not changed: ${saved.left.message}`)
      return yield* answer(REPLIES.storeDown)
    }
    yield* answer(
      clear
        ? `✅ Ash may reach out to <@${memberId}> again on new alerts (an open alert keeps the member's choice).`
        : `👤 <@${memberId}> prefers human support: Ash will not contact them for ${days} days. Please reach out personally.`,
    )
    yield* Effect.logInfo(`${command.userId} ${clear ? "cleared the opt-out of" : "opted out"} ${memberId}`)
    if (clear) return
    const open = yield* responses.openAlert(guildId, memberId).pipe(Effect.orElseSucceed(() => Option.none()))
    if (Option.isSome(open)) yield* applyTo(open.value.alertId, OPTED_OUT)
  })
