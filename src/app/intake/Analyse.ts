/** One member's message: its history, the NLP's verdict after channel sensitivity, and the alert. */
import { Effect, Either } from "effect"
import type { IntakeMessage } from "../../core/Intake.js"
import { applySensitivity, type NlpAnalysis } from "../../core/Nlp.js"
import { isAtLeast } from "../../core/Severity.js"
import { MemberStore } from "../../shell/MemberStore.js"
import { NlpClient } from "../../shell/NlpClient.js"
import { AlertDispatcher, type Verdict } from "../alerts/AlertDispatcher.js"
import { BotSettings } from "../runtime/BotSettings.js"
import { withinBudget } from "../runtime/Budgets.js"
import { countIntake } from "../runtime/Counting.js"
import { NlpOutage, type WaitReason } from "./NlpOutage.js"

export const verdictOf = (analysis: NlpAnalysis, sensitivity: number): Verdict => {
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
