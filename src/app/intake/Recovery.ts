/**
 * Once the NLP answers again, what was kept is analysed, oldest first, by one process at a time
 * (the holder of the recovery lease), each message forgotten only once analysed. The intake runs
 * `recover` every 5 s.
 */
import { Clock, Effect, Option } from "effect"
import type { IntakeMessage } from "../../core/Intake.js"
import { NlpClient } from "../../shell/NlpClient.js"
import { analyse } from "./Analyse.js"
import { type GiveUpReason, NlpOutage, type WaitReason } from "./NlpOutage.js"

/** Unreadable replies for a kept message, while the NLP reads others, before it is given up. */
const UNREADABLE_STRIKES = 3

/** How long a kept message may fail while the NLP's health check passes before it is given up. */
const FAILING_FOR_MS = 5 * 60_000

/** What recovery remembers of a kept message that failed while the NLP answered. */
interface Failing {
  readonly since: number
  readonly strikes: number
  readonly unreadable: boolean
}

/** Per message id, across rounds of this process. */
export type FailingMessages = Map<string, Failing>

/** Analyse one kept message; a failure of the bot itself is a reason to give it up, not a success. */
const analyseKept = (message: IntakeMessage) =>
  analyse(message).pipe(
    Effect.catchAllCause((cause) =>
      Effect.as(Effect.logError(`kept message ${message.messageId} not processed`, cause), "failed" as const),
    ),
  )

/**
 * Whether a kept message that failed again is given up: it stops every message behind it, so one
 * the NLP keeps answering unreadably while it reads others, or one failing for five minutes while
 * the NLP's health check passes, goes to the CRT as a link instead.
 */
const shouldGiveUp = (
  failing: FailingMessages,
  message: IntakeMessage,
  wait: WaitReason | "failed",
  answered: boolean,
  now: number,
): GiveUpReason | null => {
  if (wait === "failed") return "failed"
  const before = failing.get(message.messageId)
  const unreadable = wait === "nlp_unreadable"
  const next: Failing = {
    since: before?.since ?? now,
    strikes: (before?.strikes ?? 0) + (unreadable && answered ? 1 : 0),
    unreadable: (before?.unreadable ?? false) || unreadable,
  }
  failing.set(message.messageId, next)
  if (next.strikes >= UNREADABLE_STRIKES) return "unreadable"
  if (next.unreadable && now - next.since >= FAILING_FOR_MS) return "unreadable"
  return null
}

/** The kept messages in Redis, while this process holds the lease; stops at the first that must wait. */
const reanalyseKept = (answered: boolean, failing: FailingMessages) => (stillHeld: Effect.Effect<boolean>) =>
  Effect.gen(function* () {
    const outage = yield* NlpOutage
    const analysing = yield* outage.size
    let restored = false
    let behind: string | null = null
    for (let next = yield* outage.oldest; Option.isSome(next); next = yield* outage.oldest) {
      // Another process holds the lease now (this one was too slow to renew it): it carries on.
      if (!(yield* stillHeld)) return
      const message = next.value
      const wait = yield* analyseKept(message)
      if (wait === "behind_older") {
        // An older message was kept meanwhile: it is first in line now, unless nothing moved.
        if (behind === message.messageId) return
        behind = message.messageId
        continue
      }
      if (wait !== null) {
        const giveUp = shouldGiveUp(failing, message, wait, answered, yield* Clock.currentTimeMillis)
        if (giveUp === null) return
        failing.delete(message.messageId)
        yield* outage.giveUp(message, giveUp)
        continue
      }
      failing.delete(message.messageId)
      yield* outage.analysed(message)
      if (!restored) yield* outage.restored(analysing)
      restored = true
    }
    // Everything kept was too old or analysed elsewhere: the CRT must still hear it is over.
    if (!restored) yield* outage.restored(0)
  })

/**
 * Redis unreachable: what this process kept in memory is analysed here, oldest first, once the
 * NLP answers, rather than wait for Redis.
 */
const reanalyseLocal = Effect.gen(function* () {
  const outage = yield* NlpOutage
  const kept = yield* outage.localKept
  let restored = false
  for (const message of kept) {
    const wait = yield* analyseKept(message)
    if (wait !== null && wait !== "failed") return
    yield* outage.forgetLocal(message.messageId)
    if (wait === null && !restored) yield* outage.restored(kept.length)
    restored = true
  }
})

/** One round of recovery: this process's own messages first, then the shared ones. */
export const recover = (failing: FailingMessages) =>
  Effect.gen(function* () {
    const outage = yield* NlpOutage
    const nlp = yield* NlpClient
    if (!(yield* outage.flushLocal)) {
      if ((yield* outage.localKept).length > 0 && (yield* nlp.health())) yield* reanalyseLocal
      return
    }
    // Expired even while the NLP is down: counted and told, never silently gone.
    yield* outage.expireOld
    if ((yield* outage.size) === 0) {
      if ((yield* outage.announced) && (yield* nlp.health())) yield* outage.restored(0)
      return
    }
    const answered = yield* outage.takeAnswering
    if (!answered && !(yield* nlp.health())) return
    yield* outage.whileLeased(reanalyseKept(answered, failing))
  })
