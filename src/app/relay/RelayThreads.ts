/**
 * Opening and closing a conversation relay: the staff thread on the alert message, where the
 * member's DMs appear and the CRT answers. The lifecycle interpreter opens one when Ash reaches
 * the member by DM and closes it when the alert closes; the relay opens one when a member with
 * an open alert writes to Ash first.
 */

import { Clock, Context, Effect, Layer, Option, Schedule } from "effect"
import type { Alert } from "../../core/Alert.js"
import { renderWelcome } from "../../core/AshWelcome.js"
import { NO_MENTIONS } from "../../core/DiscordMessage.js"
import {
  CLOSING_MESSAGE,
  type RelayStart,
  relayClosedNotice,
  relayMovedNotice,
  staffThreadIntro,
  staffThreadName,
} from "../../core/Relay.js"
import { AlertStore } from "../../shell/AlertStore.js"
import { Discord, type DiscordError } from "../../shell/discord/Discord.js"
import type { RedisError } from "../../shell/Redis.js"
import { type Relay, RelayStore } from "../../shell/RelayStore.js"
import { alertRef, OUTAGE_RETRY } from "../alerts/Renotify.js"
import { BotSettings } from "../runtime/BotSettings.js"

const DAY_MS = 86_400_000
/** How long a closed thread is still known as closed (to tell a CRT member writing there). */
const CLOSED_KNOWN_MS = 7 * DAY_MS
/** Discord's answer when the message has a thread already (the relay's own, opened before). */
const THREAD_EXISTS = 160004

/** A relay record read or written is retried briefly while Redis does not answer. */
export const STORE_RETRY = Schedule.exponential("100 millis").pipe(Schedule.intersect(Schedule.recurs(4)))

export interface RelayThreadsService {
  /** The staff thread on the alert, its introduction, and the relay on record. */
  /** None when the alert closed meanwhile (the relay is then closed at once). */
  readonly open: (
    alert: Alert,
    start: RelayStart,
  ) => Effect.Effect<Option.Option<Relay>, DiscordError | RedisError>
  /** If the alert has the member's relay: the member is told, the thread told and archived, the relay closed. */
  readonly close: (alert: Alert) => Effect.Effect<void>
}

interface Ports {
  readonly discord: Discord["Type"]
  readonly settings: BotSettings["Type"]
  readonly relays: RelayStore["Type"]
  readonly alerts: AlertStore["Type"]
}

const logged = (what: string) => (e: { readonly message: string }) => Effect.logError(`${what}: ${e.message}`)

/** The staff thread on the alert message; none when it exists already (opened before for this alert). */
const startThread = ({ discord }: Ports, alert: Alert) =>
  discord.openThreadOn(alertRef(alert), staffThreadName(alert)).pipe(
    Effect.retry(OUTAGE_RETRY),
    Effect.map(Option.some),
    Effect.catchIf(
      (e) => e.code === THREAD_EXISTS,
      () => Effect.succeed(Option.none<string>()),
    ),
  )

/** The thread's first message: how the conversation began, the welcome sent, how to answer. */
const introduce = (
  { discord, settings }: Ports,
  alert: Alert,
  threadId: string,
  start: RelayStart,
  now: number,
) => {
  const welcome =
    start._tag === "Contact"
      ? renderWelcome(
          settings.ashTemplates,
          { alertId: alert.id, memberId: alert.origin.memberId, severity: alert.severity, mode: start.mode },
          now,
        ).content
      : null
  return discord
    .post(threadId, {
      content: staffThreadIntro(alert.origin.memberId, start, welcome),
      allowedMentions: NO_MENTIONS,
    })
    .pipe(Effect.retry(OUTAGE_RETRY), Effect.catchAll(logged("staff thread introduction not posted")))
}

/**
 * The member's earlier conversation, on another alert, ends where it was: its thread is told
 * where the conversation went, closed and archived. The member's key already names the new one.
 */
const moveFrom = ({ discord, relays }: Ports, previous: Relay, to: Relay, now: number) =>
  Effect.gen(function* () {
    yield* relays.close(previous, now, CLOSED_KNOWN_MS).pipe(Effect.retry(STORE_RETRY))
    yield* discord
      .post(previous.threadId, { content: relayMovedNotice(to.threadId), allowedMentions: NO_MENTIONS })
      .pipe(Effect.retry(OUTAGE_RETRY), Effect.catchAll(logged("moved notice not posted")))
    yield* discord
      .archiveThread(previous.threadId)
      .pipe(Effect.retry(OUTAGE_RETRY), Effect.catchAll(logged("earlier staff thread not archived")))
  }).pipe(Effect.catchAll(logged("earlier relay not closed")))

const open = (ports: Ports) => (alert: Alert, start: RelayStart) =>
  Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    const previous = yield* ports.relays.byMember(alert.origin.memberId).pipe(Effect.retry(STORE_RETRY))
    if (Option.isSome(previous) && previous.value.alertId === alert.id) return Option.some(previous.value)
    const fresh = yield* startThread(ports, alert)
    // Discord gives a thread started on a message the message's id.
    const threadId = Option.getOrElse(fresh, () => alert.origin.alertMessageId)
    // A thread already on the alert that is not this alert's relay (one CRT members started, say)
    // is told first that what is written there now goes to the member.
    const ours = Option.isSome(fresh)
      ? false
      : Option.exists(
          yield* ports.relays.byThread(threadId).pipe(Effect.retry(STORE_RETRY)),
          (r) => r.alertId === alert.id,
        )
    if (!ours) yield* introduce(ports, alert, threadId, start, now)
    const relay: Relay = {
      alertId: alert.id,
      guildId: alert.origin.guildId,
      memberId: alert.origin.memberId,
      threadId,
      alertChannelId: alert.origin.alertChannelId,
      startedBy: start._tag === "MemberWrote" && start.openedAlert ? "member" : "ash",
      openedAt: now,
      closedAt: null,
    }
    const ttl = Math.max(0, alert.deadlines.expireAt - now) + DAY_MS
    yield* ports.relays.open(relay, ttl).pipe(Effect.retry(STORE_RETRY))
    yield* Effect.logInfo(`relay opened in thread ${threadId}`)
    if (Option.isSome(previous)) yield* moveFrom(ports, previous.value, relay, now)
    // Closed meanwhile (a Resolve while the thread was being opened): closed again, now that it is on record.
    const latest = yield* ports.alerts.get(alert.id).pipe(Effect.orElseSucceed(() => Option.none<Alert>()))
    if (Option.isSome(latest) && latest.value.milestones.closed !== null) {
      yield* close(ports)(latest.value)
      return Option.none<Relay>()
    }
    return Option.some(relay)
  }).pipe(Effect.annotateLogs({ alert: alert.id }))

/** Close the alert's relay (its staff thread is on the alert message): told to the member if it was theirs still, the thread told and archived. */
const close = (ports: Ports) => (alert: Alert) =>
  Effect.gen(function* () {
    const { discord, relays } = ports
    const relay = yield* relays.byThread(alert.origin.alertMessageId).pipe(Effect.retry(STORE_RETRY))
    if (Option.isNone(relay) || relay.value.alertId !== alert.id || relay.value.closedAt !== null) return
    const current = yield* relays.byMember(alert.origin.memberId).pipe(Effect.retry(STORE_RETRY))
    const now = yield* Clock.currentTimeMillis
    yield* relays.close(relay.value, now, CLOSED_KNOWN_MS).pipe(Effect.retry(STORE_RETRY))
    if (Option.exists(current, (r) => r.alertId === alert.id))
      yield* discord
        .sendDm(alert.origin.memberId, { content: CLOSING_MESSAGE, allowedMentions: NO_MENTIONS })
        .pipe(Effect.catchAll(logged("the member was not told the conversation closed")))
    const thread = relay.value.threadId
    yield* discord
      .post(thread, {
        content: relayClosedNotice(alert.milestones.closed?.reason ?? "resolved"),
        allowedMentions: NO_MENTIONS,
      })
      .pipe(Effect.retry(OUTAGE_RETRY), Effect.catchAll(logged("closing notice not posted in the thread")))
    yield* discord
      .archiveThread(thread)
      .pipe(Effect.retry(OUTAGE_RETRY), Effect.catchAll(logged("staff thread not archived")))
    yield* Effect.logInfo(`relay in thread ${thread} closed`)
  }).pipe(Effect.catchAll(logged("relay not closed")), Effect.annotateLogs({ alert: alert.id }))

const make = Effect.map(
  Effect.all({ discord: Discord, settings: BotSettings, relays: RelayStore, alerts: AlertStore }),
  (ports): RelayThreadsService => ({ open: open(ports), close: close(ports) }),
)

export class RelayThreads extends Context.Tag("ash/RelayThreads")<RelayThreads, RelayThreadsService>() {
  static Live: Layer.Layer<RelayThreads, never, Discord | BotSettings | RelayStore | AlertStore> =
    Layer.effect(RelayThreads, make)
}
