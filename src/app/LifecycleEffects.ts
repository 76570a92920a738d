import { Effect } from "effect"
import type { Alert } from "../core/Alert.js"
import { renderAlertUpdate } from "../core/AlertEmbed.js"
import { pingRolesFor } from "../core/Dispatch.js"
import type { LifecycleEffect, RenotifyReason } from "../core/Lifecycle.js"
import { AlertStore, type ApplyError } from "../shell/AlertStore.js"
import { Discord, DiscordError } from "../shell/Discord.js"
import { fromEmbed, toEditOptions } from "../shell/DiscordPayload.js"
import { BotSettings } from "./BotSettings.js"

const RENOTIFY_TEXT: Readonly<Record<RenotifyReason, string>> = {
  unacknowledged: "⏰ This alert is still unacknowledged. Can someone take it?",
  contact_failed: "⚠️ Ash could not reach the member. Please reach out personally.",
  opted_out: "👤 The member prefers human support. Please reach out personally.",
}

const alertMessage = (alert: Alert) =>
  Effect.flatMap(Discord, ({ client }) =>
    Effect.tryPromise({
      try: async () => {
        const channel = await client.channels.fetch(alert.origin.alertChannelId)
        if (channel === null || !channel.isTextBased()) throw new Error("alert channel is gone")
        return channel.messages.fetch(alert.origin.alertMessageId)
      },
      catch: (cause) => new DiscordError({ operation: `fetch alert message of ${alert.id}`, cause }),
    }),
  )

/** Bring the posted alert up to date with the alert's state (embed and buttons). */
export const updateAlertMessage = (alert: Alert) =>
  Effect.gen(function* () {
    const message = yield* alertMessage(alert)
    const posted = message.embeds[0]
    if (posted === undefined) return yield* Effect.logWarning(`alert ${alert.id} has no embed to update`)
    yield* Effect.tryPromise({
      try: () => message.edit(toEditOptions(renderAlertUpdate(fromEmbed(posted), alert))),
      catch: (cause) => new DiscordError({ operation: `edit alert ${alert.id}`, cause }),
    })
  })

/** Ping the CRT again, as a reply to the alert, for the given reason. */
const renotify = (alert: Alert, reason: RenotifyReason) =>
  Effect.gen(function* () {
    const settings = yield* BotSettings
    const message = yield* alertMessage(alert)
    // A re-ping exists to wake people up, so every severity pings here, MEDIUM included.
    const roles = pingRolesFor("critical", settings.dispatch.crtRoleIds)
    const mentions = roles.map((r) => `<@&${r}>`).join(" ")
    yield* Effect.tryPromise({
      try: () =>
        message.reply({
          content: `${mentions} ${RENOTIFY_TEXT[reason]}`.trim(),
          allowedMentions: { parse: [], roles: [...roles], users: [], repliedUser: false },
        }),
      catch: (cause) => new DiscordError({ operation: `re-notify ${alert.id}`, cause }),
    })
  })

/** Run the effects a transition asked for (timers were already written with the alert). */
export const runLifecycleEffects = (
  alert: Alert,
  effects: ReadonlyArray<LifecycleEffect>,
): Effect.Effect<void, never, AlertStore | BotSettings | Discord> =>
  Effect.forEach(
    effects,
    (effect): Effect.Effect<unknown, DiscordError | ApplyError, AlertStore | BotSettings | Discord> => {
      switch (effect._tag) {
        case "UpdateAlertMessage":
          return updateAlertMessage(alert)
        case "Renotify":
          return renotify(alert, effect.reason)
        case "ContactMember":
          // Reaching the member is not built yet: record the failure, which re-pings the CRT.
          return Effect.flatMap(AlertStore, (store) =>
            store.apply(alert.id, { _tag: "AshContactFailed", reason: "Ash contact is not available" }),
          ).pipe(Effect.flatMap((t) => runLifecycleEffects(t.alert, t.effects)))
        case "ScheduleTimer":
        case "CancelTimer":
          return Effect.void
      }
    },
    { discard: true },
  ).pipe(
    Effect.catchAll((error) => Effect.logError(`effects of ${alert.id} not fully run: ${error.message}`)),
  )
