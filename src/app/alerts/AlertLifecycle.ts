/**
 * The one interpreter of lifecycle transitions: decide (core), persist atomically (the store
 * writes the record, the day's counters and the timers together), then carry out every other
 * effect through the ports, with one error policy. Buttons, timers and the dispatcher call it;
 * none of them runs an effect itself.
 */
import { Context, Data, Effect, Either, Layer, Schedule } from "effect"
import type { Alert, AlertId } from "../../core/Alert.js"
import { renderAlertUpdate } from "../../core/AlertEmbed.js"
import type { LifecycleEffect, LifecycleEvent, RenotifyReason, Transition } from "../../core/Lifecycle.js"
import type { AshContactMode } from "../../core/milestones/AshContacted.js"
import { type AlertAlreadyExists, AlertStore, type ApplyError } from "../../shell/AlertStore.js"
import { type ButtonPress, Discord, type DiscordError } from "../../shell/discord/Discord.js"
import { AshContact, type ContactOutcome } from "../contact/AshContact.js"
import { RelayThreads } from "../relay/RelayThreads.js"
import { BotSettings } from "../runtime/BotSettings.js"
import { makeAlertMessages } from "./AlertMessages.js"
import { makeRecording } from "./Recording.js"
import { alertRef, OUTAGE_RETRY, pingCrt } from "./Renotify.js"

/** The alert was posted while the store did not answer; its record is written once it does. */
export class AlertRecording extends Data.TaggedError("AlertRecording")<{
  readonly alertId: AlertId
}> {}

export interface AlertLifecycleService {
  /**
   * Store a newly posted alert: its record, its day's counters and its timers. A store that does
   * not answer within `RECORD_BUDGET` never loses it: the record waits in a bounded queue and is
   * written, with back-off, as soon as the store answers again. True when it was written now.
   */
  readonly create: (created: Transition) => Effect.Effect<boolean, AlertAlreadyExists>
  /**
   * Apply an event and carry out its effects. With `press`, the alert message is brought up to
   * date through that interaction (it was deferred), otherwise by editing the message.
   */
  readonly apply: (
    alertId: AlertId,
    event: LifecycleEvent,
    press?: ButtonPress,
  ) => Effect.Effect<Transition, ApplyError | AlertRecording>
}

interface Ports {
  readonly store: AlertStore["Type"]
  readonly discord: Discord["Type"]
  readonly settings: BotSettings["Type"]
  readonly contact: AshContact["Type"]
  readonly relays: RelayThreads["Type"]
  readonly messages: ReturnType<typeof makeAlertMessages>
}

const logged = (what: string) => (e: DiscordError) => Effect.logError(`${what}: ${e.message}`)

/**
 * The alert message's embed, colour, status and buttons brought up to date: through the press's
 * interaction when there is one (it was deferred), else by editing the message; an interaction
 * Discord no longer takes (expired, unknown after a restart) falls back to the edit.
 */
const updateAlertMessage = ({ discord, messages }: Ports, alert: Alert, press: ButtonPress | undefined) =>
  messages
    .update(alert, (current) =>
      Effect.gen(function* () {
        const posted = press?.message ?? (yield* discord.read(alertRef(current)))
        const embed = posted.embeds[0]
        if (embed === undefined) return yield* Effect.logWarning("the alert message has no embed to update")
        const edit = renderAlertUpdate(embed, current)
        const byEdit = discord.edit(alertRef(current), edit)
        yield* press === undefined
          ? byEdit
          : discord.interactions.editOriginal(press.interaction, edit).pipe(
              Effect.catchIf(
                (e) => e.kind === "not_found" || e.kind === "rejected",
                () => byEdit,
              ),
            )
      }).pipe(Effect.retry(OUTAGE_RETRY)),
    )
    .pipe(Effect.catchAll(logged("alert message not brought up to date")))

/** Ping the CRT again, as a reply to the alert. */
const renotify = ({ discord, settings }: Ports, alert: Alert, reason: RenotifyReason) =>
  pingCrt(discord, settings.dispatch.crtRoleIds, alert, reason)

/** The follow-up event of a contact: made, opted out meanwhile, or failed (which re-pings the CRT). */
const contactEvent = (outcome: ContactOutcome): LifecycleEvent => {
  switch (outcome._tag) {
    case "Reached":
      return { _tag: "AshContactMade", via: outcome.via, threadId: outcome.threadId }
    case "OptedOut":
      return { _tag: "MemberOptedOut" }
    case "Unreachable":
      return { _tag: "AshContactFailed", reason: outcome.reason }
  }
}

/** Recording a contact's outcome is retried while the store does not answer (or keeps conflicting). */
const RECORD_OUTCOME = {
  schedule: Schedule.exponential("500 millis").pipe(Schedule.intersect(Schedule.recurs(5))),
  while: (e: ApplyError | AlertRecording) =>
    e._tag !== "EventRejected" && e._tag !== "AlertNotFound" && e._tag !== "CorruptRecord",
}

/**
 * Reach the member; the outcome is applied as the follow-up event. If the store cannot record it,
 * a failed contact or the member's opt-out still reaches the CRT: they are pinged directly. (An
 * outcome the alert refuses — it was closed meanwhile — pings nobody.)
 */
const contactMember = (ports: Ports, alert: Alert, mode: AshContactMode, apply: Apply) =>
  Effect.gen(function* () {
    const outcome = yield* ports.contact.reach(alert, mode)
    yield* outcome._tag === "Unreachable"
      ? Effect.logWarning(`Ash could not reach the member: ${outcome.reason}`)
      : Effect.logInfo(
          `Ash contact: ${outcome._tag}${outcome._tag === "Reached" ? ` by ${outcome.via}` : ""}`,
        )
    const recorded = yield* apply(alert.id, contactEvent(outcome)).pipe(
      Effect.retry(RECORD_OUTCOME),
      Effect.either,
    )
    if (Either.isRight(recorded)) return
    if (recorded.left._tag === "EventRejected")
      return yield* Effect.logInfo(`contact outcome (${outcome._tag}) refused by the alert`)
    yield* Effect.logError(`contact outcome (${outcome._tag}) NOT recorded: ${recorded.left._tag}`)
    if (outcome._tag === "Unreachable") yield* renotify(ports, alert, "contact_failed")
    if (outcome._tag === "OptedOut") yield* renotify(ports, alert, "opted_out")
  })

type Apply = AlertLifecycleService["apply"]

/**
 * The staff thread for the conversation Ash just started by DM. Should it fail, nothing is lost:
 * the member's first reply opens it again, or reaches the CRT as a reply to the alert.
 */
const openRelay = ({ relays }: Ports, alert: Alert) => {
  const contact = alert.milestones.ashContacted
  if (contact === null) return Effect.void
  return relays.open(alert, { _tag: "Contact", mode: contact.mode, by: contact.by }).pipe(
    Effect.asVoid,
    Effect.catchAll((e) =>
      Effect.logError(`staff thread not opened (the member's reply will retry): ${e.message}`),
    ),
  )
}

/** Carry out one effect; every failure is handled here, so the next effect still runs. */
const carryOut = (
  ports: Ports,
  apply: Apply,
  alert: Alert,
  effect: LifecycleEffect,
  press: ButtonPress | undefined,
): Effect.Effect<void> => {
  switch (effect._tag) {
    case "UpdateAlertMessage":
      return updateAlertMessage(ports, alert, press)
    case "Renotify":
      return renotify(ports, alert, effect.reason)
    case "ContactMember":
      return contactMember(ports, alert, effect.mode, apply)
    case "OpenRelay":
      return openRelay(ports, alert)
    case "CloseRelay":
      return ports.relays.close(alert)
    case "ScheduleTimer":
    case "CancelTimer":
      // Written with the alert, atomically, by the store.
      return Effect.void
  }
}

const make = Effect.gen(function* () {
  const ports: Ports = {
    store: yield* AlertStore,
    discord: yield* Discord,
    settings: yield* BotSettings,
    contact: yield* AshContact,
    relays: yield* RelayThreads,
    messages: makeAlertMessages(),
  }
  const runAll = (t: Transition, press: ButtonPress | undefined) =>
    Effect.forEach(t.effects, (effect) => carryOut(ports, apply, t.alert, effect, press), { discard: true })
  const recording = yield* makeRecording(ports.store, (t) => runAll(t, undefined))
  const apply: Apply = (alertId, event, press) =>
    Effect.gen(function* () {
      if (!(yield* recording.settled(alertId))) return yield* new AlertRecording({ alertId })
      const transition = yield* ports.store.apply(alertId, event)
      ports.messages.remember(transition.alert)
      yield* runAll(transition, press)
      return transition
    }).pipe(Effect.annotateLogs({ alert: alertId, event: event._tag }))
  return {
    create: recording.create,
    apply,
  } satisfies AlertLifecycleService
})

export class AlertLifecycle extends Context.Tag("ash/AlertLifecycle")<
  AlertLifecycle,
  AlertLifecycleService
>() {
  static Live: Layer.Layer<
    AlertLifecycle,
    never,
    AlertStore | Discord | BotSettings | AshContact | RelayThreads
  > = Layer.scoped(AlertLifecycle, make)
}
