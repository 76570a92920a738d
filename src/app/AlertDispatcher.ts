import { randomBytes } from "node:crypto"
import { Clock, Effect, Either, Option, Schema } from "effect"
import { type AlertId, AlertId as AlertIdSchema } from "../core/Alert.js"
import { type AlertAnalysis, renderAlertMessage } from "../core/AlertEmbed.js"
import { calendarOf } from "../core/Calendar.js"
import { decideDispatch } from "../core/Dispatch.js"
import { createAlert } from "../core/Lifecycle.js"
import type { Severity } from "../core/Severity.js"
import { AlertStore } from "../shell/AlertStore.js"
import { CooldownStore } from "../shell/CooldownStore.js"
import { Discord, DiscordError } from "../shell/Discord.js"
import { toCreateOptions } from "../shell/DiscordPayload.js"
import { MemberStore } from "../shell/MemberStore.js"
import { BotSettings } from "./BotSettings.js"
import { runLifecycleEffects } from "./LifecycleEffects.js"

/** A member's message as the bot keeps it between intake and alert (no discord.js objects). */
export interface IntakeMessage {
  readonly guildId: string
  readonly channelId: string
  readonly messageId: string
  readonly authorId: string
  readonly authorName: string
  readonly authorAvatarUrl: string | undefined
  readonly content: string
  /** Discord's timestamp of the message. */
  readonly sentAt: number
}

/** What the analysis concluded, after channel sensitivity. */
export interface Verdict {
  readonly severity: Severity
  readonly crisisScore: number
  readonly channelSensitivity: number
  readonly escalation: boolean
  readonly analysis: AlertAnalysis
}

export type DispatchOutcome =
  | {
      readonly _tag: "Posted"
      readonly alertId: AlertId
      readonly channelId: string
      readonly messageId: string
    }
  | { readonly _tag: "Suppressed"; readonly openAlertId: AlertId }
  | { readonly _tag: "Skipped"; readonly reason: string }
  | { readonly _tag: "Failed"; readonly reason: string }

const decodeAlertId = Schema.decodeSync(AlertIdSchema)

/** `alert_` + 12 random hex digits, the seeds' format. */
export const newAlertId = (): AlertId => decodeAlertId(`alert_${randomBytes(6).toString("hex")}`)

/** Post the rendered alert to the first channel that takes it; each failure is logged. */
const postWithFallback = (
  channels: ReadonlyArray<string>,
  render: (channelId: string) => ReturnType<typeof toCreateOptions>,
) =>
  Effect.gen(function* () {
    const { client } = yield* Discord
    for (const [i, channelId] of channels.entries()) {
      const posted = yield* Effect.tryPromise({
        try: async () => {
          const channel = await client.channels.fetch(channelId)
          if (channel === null || !channel.isSendable())
            throw new Error(`channel ${channelId} cannot take messages`)
          return channel.send(render(channelId))
        },
        catch: (cause) => new DiscordError({ operation: `post alert to ${channelId}`, cause }),
      }).pipe(Effect.either)
      if (Either.isRight(posted)) {
        if (i > 0)
          yield* Effect.logWarning(`alert posted to fallback channel ${channelId} after ${i} failure(s)`)
        return Option.some({ channelId, messageId: posted.right.id })
      }
      yield* Effect.logError(posted.left.message)
    }
    return Option.none()
  })

/**
 * Decide and, if it is due, post an alert for a flagged message: cooldown taken atomically first
 * (a higher severity or an escalation breaks through; a repeat is counted on the open alert),
 * posted with fallback, then stored and counted.
 */
export const dispatchAlert = (message: IntakeMessage, verdict: Verdict) =>
  Effect.gen(function* () {
    const settings = yield* BotSettings
    const store = yield* AlertStore
    const cooldowns = yield* CooldownStore
    const members = yield* MemberStore
    const now = yield* Clock.currentTimeMillis
    const decision = decideDispatch(settings.dispatch, {
      severity: verdict.severity,
      escalation: verdict.escalation,
      cooldown: null,
      now,
    })
    switch (decision._tag) {
      case "Skip":
        return { _tag: "Skipped", reason: decision.reason } satisfies DispatchOutcome
      case "Suppress":
        return { _tag: "Suppressed", openAlertId: decision.openAlertId } satisfies DispatchOutcome
      case "NoChannel":
        yield* Effect.logError(
          `a ${decision.severity} alert for message ${message.messageId} has nowhere to go: no alert channel is configured`,
        )
        return { _tag: "Failed", reason: "no alert channel configured" } satisfies DispatchOutcome
      case "Alert":
        break
    }
    const alertId = newAlertId()
    const held = yield* cooldowns.acquire({
      guildId: message.guildId,
      memberId: message.authorId,
      severity: decision.severity,
      alertId,
      cooldownMs: settings.dispatch.cooldownMs,
      bypass: decision.escalation,
    })
    if (held._tag === "Held") {
      const counted = yield* store.apply(held.entry.alertId, { _tag: "RepeatSuppressed" }).pipe(Effect.either)
      if (Either.isRight(counted)) {
        // The CRT sees the repeat on the alert they already have.
        yield* runLifecycleEffects(counted.right.alert, counted.right.effects)
        return { _tag: "Suppressed", openAlertId: held.entry.alertId } satisfies DispatchOutcome
      }
      // The alert holding the cooldown is closed or gone: it cannot count this message, so alert anew.
      yield* Effect.logInfo(`cooldown of closed alert ${held.entry.alertId} released: ${counted.left._tag}`)
      yield* cooldowns.release(message.guildId, message.authorId, held.entry.alertId)
      const retry = yield* cooldowns.acquire({
        guildId: message.guildId,
        memberId: message.authorId,
        severity: decision.severity,
        alertId,
        cooldownMs: settings.dispatch.cooldownMs,
        bypass: true,
      })
      if (retry._tag === "Held")
        return { _tag: "Suppressed", openAlertId: retry.entry.alertId } satisfies DispatchOutcome
    }
    const optedOut = yield* members
      .isOptedOut(message.guildId, message.authorId)
      .pipe(Effect.orElseSucceed(() => false))
    const createdAt = yield* Clock.currentTimeMillis
    const newAlert = (alertChannelId: string, alertMessageId: string) =>
      createAlert(
        {
          id: alertId,
          origin: {
            guildId: message.guildId,
            memberId: message.authorId,
            sourceChannelId: message.channelId,
            sourceMessageId: message.messageId,
            alertChannelId,
            alertMessageId,
          },
          severity: decision.severity,
          escalated: decision.escalation,
          channelSensitivity: verdict.channelSensitivity,
          crisisScore: verdict.crisisScore,
          messageAt: message.sentAt,
          createdAt,
          ...calendarOf(createdAt, settings.metricsTimeZone),
          optedOut,
        },
        settings.lifecycle,
      )
    const render = (channelId: string) =>
      toCreateOptions(
        renderAlertMessage(
          {
            analysis: verdict.analysis,
            member: { displayName: message.authorName, avatarUrl: message.authorAvatarUrl },
            text: message.content,
            crtRoleIds: decision.pingRoleIds,
          },
          newAlert(channelId, "0").alert,
        ),
      )
    const posted = yield* postWithFallback(decision.channels, render)
    if (Option.isNone(posted)) {
      yield* cooldowns.release(message.guildId, message.authorId, alertId)
      yield* Effect.logError(
        `ALERT NOT POSTED: ${decision.severity} alert ${alertId} for message ${message.messageId} failed on every channel (${decision.channels.join(", ")})`,
      )
      return { _tag: "Failed", reason: "every alert channel failed" } satisfies DispatchOutcome
    }
    const created = newAlert(posted.value.channelId, posted.value.messageId)
    yield* store.create(created)
    yield* members
      .setOpenAlert(message.guildId, message.authorId, alertId, settings.lifecycle.expireAfterMs)
      .pipe(Effect.catchAll((e) => Effect.logWarning(`open alert not remembered: ${e.message}`)))
    yield* Effect.logInfo(`${decision.severity} alert ${alertId} posted in ${posted.value.channelId}`)
    return { _tag: "Posted", alertId, ...posted.value } satisfies DispatchOutcome
  })
