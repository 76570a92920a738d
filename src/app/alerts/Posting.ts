/**
 * Posting an alert so that none is lost between deciding it and having it on record: it is
 * written (pending) before it is posted, marked with where it was posted, and forgotten once on
 * record. The sweep finishes what a process that died left behind, on start-up and every minute.
 */
import { Duration, Effect, Either, Layer, Option, Schedule } from "effect"
import { renderAlertMessage } from "../../core/AlertEmbed.js"
import { createAlert } from "../../core/Lifecycle.js"
import { type PendingAlert, type PostedRef, postedAlert } from "../../core/PendingAlert.js"
import { AlertStore } from "../../shell/AlertStore.js"
import { Discord, type MessageRef, type OutgoingMessage } from "../../shell/discord/Discord.js"
import { PendingAlerts } from "../../shell/PendingAlerts.js"
import { BotSettings } from "../runtime/BotSettings.js"
import { withinBudget } from "../runtime/Budgets.js"
import { AlertLifecycle } from "./AlertLifecycle.js"

/** How long the posting process holds a pending alert before a sweep may take it over. */
export const CLAIM_MS = 120_000

/** How often the sweep looks for pending alerts nobody finished, and how many it finishes a round. */
const SWEEP_EVERY = Duration.minutes(1)
const SWEEP_BATCH = 20

/** Post to the first channel that takes the message; each failure is logged. */
export const postWithFallback = (
  channels: ReadonlyArray<string>,
  render: (channelId: string) => OutgoingMessage,
) =>
  Effect.gen(function* () {
    const discord = yield* Discord
    for (const [i, channelId] of channels.entries()) {
      const posted = yield* discord.post(channelId, render(channelId)).pipe(Effect.either)
      if (Either.isRight(posted)) {
        if (i > 0)
          yield* Effect.logWarning(`alert posted to fallback channel ${channelId} after ${i} failure(s)`)
        return Option.some(posted.right)
      }
      yield* Effect.logError(posted.left.message)
    }
    return Option.none<MessageRef>()
  })

/** Write the alert as pending before it is posted; a Redis that does not answer does not hold it up. */
export const writePending = (pending: PendingAlert) =>
  Effect.flatMap(PendingAlerts, (pendings) =>
    withinBudget("pending alert", pendings.put(pending, CLAIM_MS), undefined, "posting it without"),
  )

/**
 * Record a posted alert, then forget its pending form; when the record must wait for the store,
 * the pending form says where it was posted, so that a sweep records it rather than post it again.
 */
const record = (pending: PendingAlert, ref: PostedRef) =>
  Effect.gen(function* () {
    const settings = yield* BotSettings
    const lifecycle = yield* AlertLifecycle
    const pendings = yield* PendingAlerts
    const written = yield* lifecycle
      .create(createAlert(postedAlert(pending, ref), settings.lifecycle))
      .pipe(Effect.catchTag("AlertAlreadyExists", () => Effect.succeed(true)))
    yield* written
      ? withinBudget(
          "pending alert",
          pendings.remove(pending.alert.id),
          undefined,
          "a sweep forgets it later",
        )
      : withinBudget(
          "pending alert",
          pendings.markPosted(pending.alert.id, ref),
          undefined,
          "a sweep may post it again",
        )
  })

/** Post a pending alert and record it. None when no channel took it. */
export const postPending = (pending: PendingAlert) =>
  Effect.gen(function* () {
    const settings = yield* BotSettings
    const render = (channelId: string) =>
      renderAlertMessage(
        pending.message,
        createAlert(postedAlert(pending, { channelId, messageId: "0" }), settings.lifecycle).alert,
      )
    const posted = yield* postWithFallback(pending.channels, render)
    if (Option.isNone(posted)) return posted
    yield* record(pending, { channelId: posted.value.channelId, messageId: posted.value.messageId })
    return posted
  })

/** Finish one pending alert left behind: record it if it was posted (or is on record), else post it. */
const finish = (pending: PendingAlert) =>
  Effect.gen(function* () {
    const id = pending.alert.id
    const onRecord = yield* Effect.flatMap(AlertStore, (store) => store.get(id))
    if (Option.isSome(onRecord)) return yield* Effect.flatMap(PendingAlerts, (p) => p.remove(id))
    if (pending.posted !== null) {
      yield* Effect.logWarning(`alert ${id} was posted but never recorded: recording it now`)
      return yield* record(pending, pending.posted)
    }
    yield* Effect.logWarning(`alert ${id} was never posted (its process stopped first): posting it now`)
    const posted = yield* postPending(pending)
    if (Option.isNone(posted))
      yield* Effect.logError(
        `ALERT NOT POSTED: pending alert ${id} failed on every channel; tried again later`,
      )
  }).pipe(
    Effect.catchAll((e) => Effect.logError(`pending alert ${pending.alert.id} not finished: ${e.message}`)),
  )

/** One pending alert at a time, each claimed just before it is finished (a slow post never outlasts its claim). */
const sweep = Effect.gen(function* () {
  const pendings = yield* PendingAlerts
  for (let i = 0; i < SWEEP_BATCH; i++) {
    const [next] = yield* pendings.claimAbandoned(CLAIM_MS, 1)
    if (next === undefined) return
    yield* finish(next)
  }
})

/** The sweep of pending alerts, on start-up and every minute, for as long as the bot runs. */
export const PendingSweep = {
  Live: Layer.scopedDiscard(
    Effect.gen(function* () {
      const context = yield* Effect.context<
        AlertLifecycle | AlertStore | BotSettings | Discord | PendingAlerts
      >()
      yield* sweep.pipe(
        Effect.catchAll((e) => Effect.logError(`pending alerts not swept: ${e.message}`)),
        Effect.repeat(Schedule.spaced(SWEEP_EVERY)),
        Effect.provide(context),
        Effect.forkScoped,
      )
    }),
  ),
}
