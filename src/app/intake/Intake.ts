/** Member messages: filtered, analysed by the NLP, alerted on; kept for later while the NLP is down. */
import { Duration, Effect, Layer, Option, Schedule, Stream } from "effect"
import { intakeVerdict } from "../../core/Intake.js"
import { Discord, type IncomingMessage } from "../../shell/discord/Discord.js"
import type { IntakeCounters } from "../../shell/IntakeCounters.js"
import type { MemberStore } from "../../shell/MemberStore.js"
import { NlpClient } from "../../shell/NlpClient.js"
import type { AlertDispatcher, IntakeMessage } from "../alerts/AlertDispatcher.js"
import { BotSettings } from "../runtime/BotSettings.js"
import { SHUTDOWN_GRACE, workerPool } from "../runtime/Handlers.js"
import { analyse } from "./Analyse.js"
import { NlpOutage } from "./NlpOutage.js"
import { recover } from "./Recovery.js"

/** The plain data the pipeline keeps of a member's message. */
export const toIntakeMessage = (message: IncomingMessage): IntakeMessage => ({
  guildId: message.guildId,
  channelId: message.channelId,
  messageId: message.messageId,
  authorId: message.author.id,
  authorName: message.author.displayName,
  authorAvatarUrl: message.author.avatarUrl,
  content: message.content,
  sentAt: message.sentAt,
})

/** Analyse, or keep the message for later when the NLP is down. */
const process = (message: IntakeMessage) =>
  Effect.gen(function* () {
    const outage = yield* NlpOutage
    const wait = yield* analyse(message)
    if (wait !== null) yield* outage.buffer(message, wait)
  }).pipe(
    Effect.catchAllCause((cause) => Effect.logError(`message ${message.messageId} not processed`, cause)),
    Effect.annotateLogs({ message_id: message.messageId, channel: message.channelId }),
  )

type IntakeServices = AlertDispatcher | BotSettings | IntakeCounters | MemberStore | NlpClient | NlpOutage

/** Guild messages for as long as the bot runs; one failure never stops the next. */
export const Intake = {
  Live: Layer.scopedDiscard(
    Effect.gen(function* () {
      const discord = yield* Discord
      const settings = yield* BotSettings
      const nlp = yield* NlpClient
      // As many workers as requests the NLP takes at once: a burst waits in arrival order.
      const pool = yield* workerPool<IntakeMessage, IntakeServices>(
        "messages",
        nlp.concurrency,
        SHUTDOWN_GRACE,
        process,
      )
      const rules = {
        guildId: Option.getOrNull(settings.guildId),
        monitoredChannels: settings.monitoredChannels,
      }
      const analysed = (m: IncomingMessage) =>
        intakeVerdict(
          {
            authorIsBot: m.author.bot,
            guildId: m.guildId,
            channelId: m.channelId,
            parentChannelId: m.parentChannelId,
            content: m.content,
          },
          rules,
        ) === "analyse"
      yield* discord.messages.pipe(
        Stream.filter(analysed),
        Stream.runForEach((m) => Effect.sync(() => pool.offer(toIntakeMessage(m)))),
        Effect.forkScoped,
      )
      yield* recover(new Map()).pipe(
        Effect.catchAllCause((cause) => Effect.logError("NLP recovery failed", cause)),
        Effect.repeat(Schedule.spaced(Duration.seconds(5))),
        Effect.forkScoped,
      )
    }),
  ),
}
