import { type ButtonInteraction, Events, type Interaction, MessageFlags } from "discord.js"
import { Effect, Either } from "effect"
import { renderAlertUpdate } from "../core/AlertEmbed.js"
import type { ButtonTarget } from "../core/CustomId.js"
import { decodeCustomId } from "../core/CustomId.js"
import type { LifecycleEvent } from "../core/Lifecycle.js"
import { describeRejection, REPLIES } from "../core/Replies.js"
import { AlertStore } from "../shell/AlertStore.js"
import { Discord, DiscordError } from "../shell/Discord.js"
import { fromEmbed, toEditOptions } from "../shell/DiscordPayload.js"
import { BotSettings } from "./BotSettings.js"
import { drainingRunner, SHUTDOWN_GRACE } from "./Handlers.js"
import { runLifecycleEffects } from "./LifecycleEffects.js"

const discord = <A>(operation: string, f: () => Promise<A>) =>
  Effect.tryPromise({ try: f, catch: (cause) => new DiscordError({ operation, cause }) })

const ephemeral = (interaction: ButtonInteraction, content: string) =>
  discord("interaction reply", () =>
    interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } }),
  )

const followUp = (interaction: ButtonInteraction, content: string) =>
  discord("interaction follow-up", () =>
    interaction.followUp({ content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } }),
  )

const eventFor = (target: ButtonTarget, userId: string): LifecycleEvent | null => {
  switch (target.action) {
    case "ack":
      return { _tag: "Acknowledge", by: userId }
    case "reached":
      return { _tag: "FirstResponse", by: userId, detection: "self_reported" }
    case "resolve":
      return { _tag: "Resolve", by: userId }
    case "talk":
      // Reaching the member is not built yet: nothing is recorded that did not happen.
      return null
  }
}

/** A button press on an alert: decoded, authorised, answered within Discord's 3 s, then applied. */
export const handleButton = (interaction: ButtonInteraction) =>
  Effect.gen(function* () {
    const settings = yield* BotSettings
    const decoded = decodeCustomId(interaction.customId)
    if (Either.isLeft(decoded)) {
      yield* Effect.logWarning(
        `unknown or forged button ${JSON.stringify(decoded.left.received)} from ${interaction.user.id}`,
      )
      return yield* ephemeral(interaction, REPLIES.unknownButton)
    }
    const target = decoded.right
    const roles = interaction.inCachedGuild()
      ? [...interaction.member.roles.cache.keys()]
      : Array.isArray(interaction.member?.roles)
        ? interaction.member.roles
        : []
    if (!roles.some((r) => settings.dispatch.crtRoleIds.includes(r))) {
      yield* Effect.logWarning(
        `${interaction.user.id} without a CRT role pressed ${target.action} on ${target.alertId}`,
      )
      return yield* ephemeral(interaction, REPLIES.notCrt)
    }
    const event = eventFor(target, interaction.user.id)
    if (event === null) return yield* ephemeral(interaction, REPLIES.ashUnavailable)
    // Answer Discord first; the store and the edit may take longer than its deadline allows.
    yield* discord("defer update", () => interaction.deferUpdate())
    const store = yield* AlertStore
    const applied = yield* store.apply(target.alertId, event).pipe(Effect.either)
    if (Either.isLeft(applied)) {
      const error = applied.left
      switch (error._tag) {
        case "EventRejected":
          return yield* followUp(interaction, describeRejection(error.rejection))
        case "AlertNotFound":
          return yield* followUp(interaction, REPLIES.alertMissing)
        default:
          yield* Effect.logError(
            `${target.action} on ${target.alertId} by ${interaction.user.id} not applied: ${error.message}`,
          )
          return yield* followUp(interaction, REPLIES.storeDown)
      }
    }
    const { alert, effects } = applied.right
    const posted = interaction.message.embeds[0]
    if (posted !== undefined && effects.some((e) => e._tag === "UpdateAlertMessage")) {
      yield* discord("edit alert", () =>
        interaction.editReply(toEditOptions(renderAlertUpdate(fromEmbed(posted), alert))),
      )
    }
    yield* runLifecycleEffects(
      alert,
      effects.filter((e) => e._tag !== "UpdateAlertMessage"),
    )
  }).pipe(
    Effect.catchAllCause((cause) => Effect.logError("button interaction failed", cause)),
    Effect.annotateLogs({ interaction: interaction.id, customId: interaction.customId }),
  )

/** Route every button interaction to `handleButton`; one failure never stops the next. */
export const InteractionsLive = Effect.gen(function* () {
  const { client } = yield* Discord
  const run = yield* drainingRunner<AlertStore | BotSettings | Discord>("button handlers", SHUTDOWN_GRACE)
  const listener = (interaction: Interaction) => {
    if (interaction.isButton()) run(handleButton(interaction))
  }
  client.on(Events.InteractionCreate, listener)
  yield* Effect.addFinalizer(() => Effect.sync(() => client.off(Events.InteractionCreate, listener)))
})
