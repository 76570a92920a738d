/**
 * From a flagged message to a posted alert: the dispatch decision (core), the member's cooldown
 * taken atomically (a higher severity or an escalation breaks through; a repeat is counted on the
 * open alert), the post with fallback channels, then the record with its timers.
 */
import { randomBytes } from "node:crypto"
import { Clock, Context, Effect, Either, Layer, Option, Schedule, Schema } from "effect"
import { type AlertId, AlertId as AlertIdSchema } from "../../core/Alert.js"
import type { AlertAnalysis } from "../../core/AlertEmbed.js"
import { calendarOf } from "../../core/Calendar.js"
import { type DispatchDecision, decideDispatch } from "../../core/Dispatch.js"
import type { IntakeMessage } from "../../core/Intake.js"
import type { PendingAlert } from "../../core/PendingAlert.js"
import type { Severity } from "../../core/Severity.js"
import type { AlertAlreadyExists } from "../../shell/AlertStore.js"
import { type CooldownDecision, CooldownStore } from "../../shell/CooldownStore.js"
import type { Discord } from "../../shell/discord/Discord.js"
import { MemberStore } from "../../shell/MemberStore.js"
import type { PendingAlerts } from "../../shell/PendingAlerts.js"
import { ResponseIndex } from "../../shell/ResponseIndex.js"
import { BotSettings } from "../runtime/BotSettings.js"
import { withinBudget } from "../runtime/Budgets.js"
import { jumpLink } from "../runtime/Links.js"
import { AlertLifecycle } from "./AlertLifecycle.js"
import { postPending, postWithFallback, writePending } from "./Posting.js"

export type { IntakeMessage }

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

type AlertDecision = Extract<DispatchDecision, { readonly _tag: "Alert" }>

const decodeAlertId = Schema.decodeSync(AlertIdSchema)

/** `alert_` + 12 random hex digits, the seeds' format. */
export const newAlertId = (): AlertId => decodeAlertId(`alert_${randomBytes(6).toString("hex")}`)

/** How long a repeat waits for the alert holding the cooldown to be on record (see `countRepeatOn`). */
const AWAIT_POSTING = Schedule.spaced("250 millis").pipe(Schedule.upTo("30 seconds"))

/**
 * Count a repeat on the alert holding the member's cooldown. That alert takes the cooldown before
 * it is posted and is on record only after: while it still holds the cooldown, a missing record
 * means its post is under way (a rate-limited post takes seconds), so the repeat waits for it
 * rather than alert the CRT a second time. Bounded: a process that died mid-post leaves no record.
 */
const countRepeatOn = (alertId: AlertId, message: IntakeMessage) =>
  Effect.gen(function* () {
    const cooldowns = yield* CooldownStore
    const lifecycle = yield* AlertLifecycle
    const stillHolds = cooldowns.current(message.guildId, message.authorId).pipe(
      Effect.map(Option.exists((entry) => entry.alertId === alertId)),
      Effect.orElseSucceed(() => false),
    )
    return yield* lifecycle.apply(alertId, { _tag: "RepeatSuppressed" }).pipe(
      Effect.retry({
        schedule: AWAIT_POSTING,
        while: (e) =>
          e._tag === "AlertNotFound" || e._tag === "AlertRecording" ? stillHolds : Effect.succeed(false),
      }),
    )
  })

/**
 * Take the member's cooldown for `alertId`. If another open alert holds it, the message is
 * counted there instead (the CRT sees the repeat on the alert they have) and its id returned.
 */
const takeCooldown = (message: IntakeMessage, decision: AlertDecision, alertId: AlertId) =>
  Effect.gen(function* () {
    const settings = yield* BotSettings
    const cooldowns = yield* CooldownStore
    // A cooldown Redis cannot tell about is no cooldown: alert, never suppress.
    const acquire = (bypass: boolean) =>
      withinBudget(
        "cooldown",
        cooldowns.acquire({
          guildId: message.guildId,
          memberId: message.authorId,
          severity: decision.severity,
          alertId,
          cooldownMs: settings.dispatch.cooldownMs,
          bypass,
        }),
        ACQUIRED,
        "alerting without it",
      )
    const held = yield* acquire(decision.escalation)
    if (held._tag !== "Held") return Option.none<AlertId>()
    const counted = yield* countRepeatOn(held.entry.alertId, message).pipe(Effect.either)
    if (Either.isRight(counted)) return Option.some(held.entry.alertId)
    // The alert holding the cooldown is closed or gone: it cannot count this message, so alert anew.
    yield* Effect.logInfo(`cooldown of alert ${held.entry.alertId} released: ${counted.left._tag}`)
    yield* releaseCooldown(message, held.entry.alertId)
    const retry = yield* acquire(true)
    return retry._tag === "Held" ? Option.some(retry.entry.alertId) : Option.none<AlertId>()
  })

const ACQUIRED: CooldownDecision = { _tag: "Acquired" }

/** Give the member's cooldown up; a Redis that does not answer keeps it until it runs out. */
const releaseCooldown = (message: IntakeMessage, alertId: AlertId) =>
  Effect.flatMap(CooldownStore, (cooldowns) =>
    withinBudget(
      "cooldown release",
      cooldowns.release(message.guildId, message.authorId, alertId),
      undefined,
      "it runs out on its own",
    ),
  )

/** What an alert is made of once it is decided. */
interface AlertToPost {
  readonly message: IntakeMessage
  readonly verdict: Verdict
  readonly decision: AlertDecision
  readonly alertId: AlertId
  readonly optedOut: boolean
}

/** The alert as written before it is posted: what it is created and rendered from, and where it goes. */
const pendingAlert = ({ message, verdict, decision, alertId, optedOut }: AlertToPost) =>
  Effect.gen(function* () {
    const settings = yield* BotSettings
    const createdAt = yield* Clock.currentTimeMillis
    return {
      alert: {
        id: alertId,
        origin: {
          guildId: message.guildId,
          memberId: message.authorId,
          sourceChannelId: message.channelId,
          sourceMessageId: message.messageId,
          alertChannelId: decision.channels[0] ?? "0",
          alertMessageId: "0",
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
      message: {
        analysis: verdict.analysis,
        member: { displayName: message.authorName, avatarUrl: message.authorAvatarUrl },
        text: message.content,
        crtRoleIds: decision.pingRoleIds,
        ...(message.viaDm === true ? { viaDm: true } : {}),
      },
      channels: decision.channels,
      posted: null,
    } satisfies PendingAlert
  })

/** Write the alert pending (and watch it as the member's open alert), post it with fallback, record it. */
const postAndStore = (toPost: AlertToPost) =>
  Effect.gen(function* () {
    const { message, alertId } = toPost
    const settings = yield* BotSettings
    const responses = yield* ResponseIndex
    const pending = yield* pendingAlert(toPost)
    // Watched before it is posted: a CRT member may answer the member the moment it appears.
    const watch = withinBudget(
      "open alert",
      responses.watchMember(
        message.guildId,
        message.authorId,
        { alertId, sourceChannelId: message.channelId },
        settings.lifecycle.expireAfterMs,
      ),
      undefined,
      "not remembered for the member: replies and mentions will not count as a first response",
    )
    yield* Effect.all([writePending(pending), watch], { concurrency: 2, discard: true })
    return yield* postPending(pending)
  })

/** Decide and, if it is due, post an alert for a flagged message. */
const dispatchAlert = (message: IntakeMessage, verdict: Verdict) =>
  Effect.gen(function* () {
    const settings = yield* BotSettings
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
        return yield* alertFor(message, verdict, decision)
    }
  })

/**
 * An alert no channel took: the CRT is told in any alert channel that takes a plain message,
 * with the roles pinged and a link to the member's message (never its text).
 */
const noticeNotPosted = (message: IntakeMessage, decision: AlertDecision) =>
  Effect.gen(function* () {
    const { channels } = (yield* BotSettings).dispatch
    const everyChannel = [...new Set([...channels.critical, ...channels.crisis, ...channels.monitor])]
    const roles = decision.pingRoleIds.map((r) => `<@&${r}>`).join(" ")
    const content =
      `${roles} 🚨 **A ${decision.severity.toUpperCase()} alert could not be posted.** ` +
      `Please read the member's message yourselves: ${jumpLink(message)}`
    const told = yield* postWithFallback(everyChannel, () => ({
      content: content.trim(),
      allowedMentions: { parse: [], roles: [...decision.pingRoleIds], users: [], repliedUser: false },
    }))
    if (Option.isNone(told))
      yield* Effect.logError(
        `the CRT could not be told about the alert for message ${message.messageId} either`,
      )
  })

const isOptedOut = (message: IntakeMessage) =>
  Effect.flatMap(MemberStore, (members) =>
    withinBudget(
      "opt-out",
      members.isOptedOut(message.guildId, message.authorId),
      false,
      "taken as not opted out",
    ),
  )

const alertFor = (message: IntakeMessage, verdict: Verdict, decision: AlertDecision) =>
  Effect.gen(function* () {
    const alertId = newAlertId()
    // Both within their budgets, side by side: a Redis that does not answer costs one budget.
    const [suppressed, optedOut] = yield* Effect.all(
      [takeCooldown(message, decision, alertId), isOptedOut(message)],
      { concurrency: 2 },
    )
    if (Option.isSome(suppressed))
      return { _tag: "Suppressed", openAlertId: suppressed.value } satisfies DispatchOutcome
    const posted = yield* postAndStore({ message, verdict, decision, alertId, optedOut })
    if (Option.isNone(posted)) {
      yield* releaseCooldown(message, alertId)
      yield* Effect.logError(
        `ALERT NOT POSTED: ${decision.severity} alert ${alertId} for message ${message.messageId} failed on every channel (${decision.channels.join(", ")})`,
      )
      yield* noticeNotPosted(message, decision)
      return { _tag: "Failed", reason: "every alert channel failed" } satisfies DispatchOutcome
    }
    yield* Effect.logInfo(`${decision.severity} alert ${alertId} posted in ${posted.value.channelId}`)
    return { _tag: "Posted", alertId, ...posted.value } satisfies DispatchOutcome
  })

type DispatchServices =
  | BotSettings
  | CooldownStore
  | MemberStore
  | ResponseIndex
  | AlertLifecycle
  | Discord
  | PendingAlerts

/** Dispatch: from an analysed message to a posted, stored alert (or a counted repeat). */
export class AlertDispatcher extends Context.Tag("ash/AlertDispatcher")<
  AlertDispatcher,
  {
    readonly dispatch: (
      message: IntakeMessage,
      verdict: Verdict,
    ) => Effect.Effect<DispatchOutcome, AlertAlreadyExists>
  }
>() {
  static Live: Layer.Layer<AlertDispatcher, never, DispatchServices> = Layer.effect(
    AlertDispatcher,
    Effect.map(Effect.context<DispatchServices>(), (context) => ({
      dispatch: (message, verdict) => dispatchAlert(message, verdict).pipe(Effect.provide(context)),
    })),
  )
}
