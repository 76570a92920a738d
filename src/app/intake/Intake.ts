/** Member messages: filtered, analysed by the NLP, alerted on; kept for later while the NLP is down. */
import { Duration, Effect, Either, Layer, Option, Schedule, Stream } from "effect"
import { intakeVerdict } from "../../core/Intake.js"
import { applySensitivity, type NlpAnalysis } from "../../core/Nlp.js"
import { isAtLeast } from "../../core/Severity.js"
import { Discord, type IncomingMessage } from "../../shell/discord/Discord.js"
import type { IntakeCounters } from "../../shell/IntakeCounters.js"
import { MemberStore } from "../../shell/MemberStore.js"
import { NlpClient } from "../../shell/NlpClient.js"
import { AlertDispatcher, type IntakeMessage, type Verdict } from "../alerts/AlertDispatcher.js"
import { BotSettings } from "../runtime/BotSettings.js"
import { withinBudget } from "../runtime/Budgets.js"
import { countIntake } from "../runtime/Counting.js"
import { SHUTDOWN_GRACE, workerPool } from "../runtime/Handlers.js"
import { NlpOutage, type WaitReason } from "./NlpOutage.js"

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

const verdictOf = (analysis: NlpAnalysis, sensitivity: number): Verdict => {
  const adjusted = applySensitivity(analysis, sensitivity)
  return {
    severity: adjusted.severity,
    crisisScore: adjusted.crisisScore,
    channelSensitivity: sensitivity,
    escalation: analysis.context?.escalationDetected === true,
    analysis: {
      confidence: analysis.confidence,
      recommendedAction: analysis.recommendedAction,
      keyFactors: analysis.keyFactors,
      requestId: analysis.requestId,
      processingTimeMs: analysis.processingTimeMs,
      escalation:
        analysis.context?.escalationDetected === true
          ? {
              trend: analysis.context.trend ?? "escalating",
              messageCount: analysis.context.messageCount ?? 0,
            }
          : undefined,
    },
  }
}

/**
 * Analyse one message and alert if it calls for it. Returns why it must wait instead (the NLP
 * gave no verdict, or earlier messages still wait for theirs): the caller keeps it. Null once the
 * message is dealt with.
 */
export const analyse = (message: IntakeMessage) =>
  Effect.gen(function* () {
    const settings = yield* BotSettings
    const members = yield* MemberStore
    const nlp = yield* NlpClient
    const outage = yield* NlpOutage
    const history = yield* withinBudget(
      "history",
      members.recentHistory(message.guildId, message.authorId, settings.history.contextLimit),
      [],
      "analysed without it",
    )
    const reply = yield* nlp
      .analyze({ message: message.content, userId: message.authorId, channelId: message.channelId, history })
      .pipe(Effect.either)
    if (Either.isLeft(reply)) {
      const error = reply.left
      if (error._tag === "NlpUnavailable") {
        if (error.reason !== "unreadable") return "nlp_down" satisfies WaitReason
        yield* Effect.logError(`NLP replies for message ${message.messageId} unreadable: ${error.message}`)
        yield* countIntake("nlp_malformed_count")
        return "nlp_unreadable" satisfies WaitReason
      }
      yield* Effect.logWarning(`NLP refused message ${message.messageId}: ${error.message}`)
      yield* countIntake("nlp_rejected_count")
      return null
    }
    // Analysed while earlier messages still wait for theirs (the NLP has just come back): it waits
    // behind them, so that alerts and the cooldown follow the order the members wrote in.
    if (yield* outage.waitingBefore(message.sentAt)) return "behind_older" satisfies WaitReason
    const verdict = verdictOf(reply.right, settings.channelSensitivity[message.channelId] ?? 1)
    const outcome = yield* (yield* AlertDispatcher).dispatch(message, verdict)
    if (outcome._tag === "Failed") {
      yield* Effect.logError(`alert for message ${message.messageId} failed: ${outcome.reason}`)
      yield* countIntake("alert_post_failed_count")
    }
    // Kept after the alert, so that a slow Redis never holds it up.
    if (isAtLeast(verdict.severity, "low")) {
      const entry = {
        messageId: message.messageId,
        message: message.content,
        at: message.sentAt,
        crisisScore: verdict.crisisScore,
        severity: verdict.severity,
      }
      yield* withinBudget(
        "history",
        members.addHistory(message.guildId, message.authorId, entry, settings.history),
        undefined,
        "this message not kept in it",
      )
    }
    return null
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

/** A kept message whose replies the NLP cannot read, tried this often while it reads others, is given up. */
const UNREADABLE_STRIKES = 3

/**
 * Re-analyse the kept messages one by one, oldest first, each forgotten only once analysed; stop
 * at the first the NLP still cannot analyse (it stays first in line). The CRT is told detection is
 * restored once a kept message was really analysed: a health check can pass while analyses still
 * fail. `strikes` counts, per message, the unreadable replies seen while the NLP read others.
 */
const reanalyseKept = (answered: boolean, strikes: Map<string, number>) =>
  Effect.gen(function* () {
    const outage = yield* NlpOutage
    yield* outage.expireOld
    const analysing = yield* outage.size
    let restored = false
    for (let next = yield* outage.oldest; Option.isSome(next); next = yield* outage.oldest) {
      const message = next.value
      yield* outage.renewLease
      const wait = yield* analyse(message).pipe(
        Effect.catchAllCause((cause) =>
          Effect.as(Effect.logError(`kept message ${message.messageId} not processed`, cause), null),
        ),
      )
      // Another process kept an older message meanwhile: it is first in line now.
      if (wait === "behind_older") continue
      if (wait === "nlp_unreadable" && answered) {
        const seen = (strikes.get(message.messageId) ?? 0) + 1
        strikes.set(message.messageId, seen)
        if (seen < UNREADABLE_STRIKES) return
        yield* outage.giveUp(message)
        continue
      }
      if (wait !== null) return
      strikes.delete(message.messageId)
      yield* outage.analysed(message)
      if (!restored) yield* outage.restored(analysing)
      restored = true
    }
    // Everything kept was too old or already analysed elsewhere: the CRT must still hear it is over.
    if (!restored) yield* outage.restored(0)
  })

/** Once the NLP answers again, the process holding the recovery lease re-analyses what was kept. */
const recover = (strikes: Map<string, number>) =>
  Effect.gen(function* () {
    const outage = yield* NlpOutage
    const nlp = yield* NlpClient
    yield* outage.flushLocal
    if ((yield* outage.size) === 0) return
    const answered = yield* outage.takeAnswering
    if (!answered && !(yield* nlp.health())) return
    yield* outage.whileLeased(reanalyseKept(answered, strikes))
  })

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
