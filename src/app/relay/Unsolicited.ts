/**
 * A DM from a member with no open conversation. It is never dropped: it joins the member's open
 * alert (a staff thread is opened on it), else the NLP reads it and a new alert opens ("the member
 * wrote to Ash") — at the NLP's severity, at least MEDIUM — or, below MEDIUM when so configured,
 * the CRT gets a notice in the monitor channel with the message.
 */
import { Effect, Option } from "effect"
import type { AlertId } from "../../core/Alert.js"
import { NO_MENTIONS } from "../../core/DiscordMessage.js"
import type { IntakeMessage } from "../../core/Intake.js"
import { type RelayedMessage, type RelayedReading, type RelayStart, relayedEmbed } from "../../core/Relay.js"
import { isAlertSeverity } from "../../core/Severity.js"
import { AlertStore } from "../../shell/AlertStore.js"
import { type DirectMessage, Discord } from "../../shell/discord/Discord.js"
import { NlpClient } from "../../shell/NlpClient.js"
import type { Relay } from "../../shell/RelayStore.js"
import { ResponseIndex } from "../../shell/ResponseIndex.js"
import { AlertDispatcher, type Verdict } from "../alerts/AlertDispatcher.js"
import { AlertLifecycle } from "../alerts/AlertLifecycle.js"
import { postWithFallback } from "../alerts/Posting.js"
import { alertRef, OUTAGE_RETRY } from "../alerts/Renotify.js"
import { verdictOf } from "../intake/Analyse.js"
import { BotSettings } from "../runtime/BotSettings.js"
import { withinBudget } from "../runtime/Budgets.js"
import { RelayThreads } from "./RelayThreads.js"

/** A DM as the CRT reads it (in the staff thread, a reply on the alert, a notice). */
export const relayedOf = (dm: DirectMessage): RelayedMessage => ({
  memberId: dm.authorId,
  content: dm.content,
  attachments: dm.attachments,
  sentAt: dm.sentAt,
})

/** The guild a member's DM belongs to: the configured one, else the first the member shares with the bot. */
const guildOf = (dm: DirectMessage) =>
  Effect.gen(function* () {
    const settings = yield* BotSettings
    if (Option.isSome(settings.guildId)) return settings.guildId
    const discord = yield* Discord
    const guilds = yield* discord.guildsOf(dm.authorId).pipe(
      Effect.retry({ times: 2 }),
      Effect.catchAll((e) => Effect.as(Effect.logError(`guilds of the member unknown: ${e.message}`), [])),
    )
    return Option.fromNullable(guilds[0])
  })

/** Where a DM went: a relay to post it in, shown to the CRT already, or (for that alert) nowhere yet. */
type Route =
  | { readonly _tag: "Relay"; readonly relay: Relay }
  | { readonly _tag: "Shown" }
  | { readonly _tag: "NotOpen" }

const SHOWN: Route = { _tag: "Shown" }
const NOT_OPEN: Route = { _tag: "NotOpen" }

/**
 * The relay on the member's open alert, opened now. Should the staff thread not open, the DM is
 * shown as a reply to the alert message (else in a notice): the CRT reads it either way.
 */
const onAlert = (alertId: AlertId, dm: DirectMessage, openedByThisDm: boolean) =>
  Effect.gen(function* () {
    const store = yield* AlertStore
    const alert = yield* store.get(alertId)
    if (Option.isNone(alert) || alert.value.milestones.closed !== null) return NOT_OPEN
    const threads = yield* RelayThreads
    const contact = alert.value.milestones.ashContacted
    // Ash reached out already (the thread of that contact did not open then): its relay now.
    const start: RelayStart =
      contact === null
        ? { _tag: "MemberWrote", openedAlert: openedByThisDm }
        : { _tag: "Contact", mode: contact.mode, by: contact.by }
    const opened = yield* threads.open(alert.value, start).pipe(Effect.either)
    if (opened._tag === "Right") {
      if (Option.isNone(opened.right)) return NOT_OPEN
      // The member is talking to Ash already: no automatic contact on top.
      if (contact === null)
        yield* (yield* AlertLifecycle)
          .apply(alertId, { _tag: "MemberWroteToAsh" })
          .pipe(Effect.catchAll((e) => Effect.logWarning(`automatic contact not called off: ${e.message}`)))
      return { _tag: "Relay", relay: opened.right.value } satisfies Route
    }
    yield* Effect.logError(`no staff thread on alert ${alertId}: ${opened.left.message}`)
    const discord = yield* Discord
    const shown = yield* discord
      .reply(alertRef(alert.value), {
        content: `📨 <@${dm.authorId}> wrote to Ash by direct message (the conversation thread could not be opened):`,
        embeds: [relayedEmbed(relayedOf(dm), null)],
        allowedMentions: NO_MENTIONS,
      })
      .pipe(Effect.retry(OUTAGE_RETRY), Effect.either)
    if (shown._tag === "Left") yield* noticeOf(dm, "the conversation thread could not be opened")
    return SHOWN
  }).pipe(
    Effect.catchAll((e) =>
      Effect.zipRight(
        Effect.logError(`alert ${alertId} could not be read: ${e.message}`),
        Effect.as(noticeOf(dm, "its alert could not be read"), SHOWN),
      ),
    ),
  )

/** What the NLP is asked about a member's DM (no history: DMs are not kept). */
export const nlpRequestOf = (dm: DirectMessage) => ({
  message: dm.content,
  userId: dm.authorId,
  channelId: dm.channelId,
  history: [],
})

/** A conversation for a DM: its relay, and the NLP's reading of the DM when it was read on the way. */
export interface NewConversation {
  readonly relay: Relay
  readonly reading: RelayedReading | null
}

/** What the NLP says; when it cannot say, the DM is taken as MEDIUM (a member wrote to Ash: a person should read it). */
const verdictFor = (dm: DirectMessage) =>
  Effect.gen(function* () {
    const nlp = yield* NlpClient
    const analysed = yield* nlp.analyze(nlpRequestOf(dm)).pipe(Effect.option)
    if (Option.isSome(analysed)) return Option.some(verdictOf(analysed.value, 1))
    yield* Effect.logWarning("a member's DM could not be analysed: taken as MEDIUM")
    return Option.none<Verdict>()
  })

/** When the NLP could not read the DM: MEDIUM, saying so. */
const UNREAD: Verdict = {
  severity: "medium",
  crisisScore: 0,
  channelSensitivity: 1,
  escalation: false,
  analysis: {
    confidence: 0,
    keyFactors: ["NLP unavailable: not analysed"],
    requestId: "none",
    processingTimeMs: null,
  },
}

/** The CRT reads the DM in the monitor channel (or the next alert channel that takes it). */
export const noticeOf = (dm: DirectMessage, why: string) =>
  Effect.gen(function* () {
    const settings = yield* BotSettings
    const { monitor, crisis, critical } = settings.dispatch.channels
    const posted = yield* postWithFallback([...monitor, ...crisis, ...critical], () => ({
      content: `📨 <@${dm.authorId}> wrote to Ash by direct message; ${why}. Reach out to them if it needs a person.`,
      embeds: [relayedEmbed(relayedOf(dm), null)],
      allowedMentions: NO_MENTIONS,
    }))
    if (Option.isNone(posted))
      yield* Effect.logError(`a member's DM (${dm.messageId}) could not be shown to the CRT in any channel`)
  })

/** A new alert for the DM (or the open one the cooldown names), with its relay. */
const newAlert = (dm: DirectMessage, guildId: string) =>
  Effect.gen(function* () {
    const settings = yield* BotSettings
    const read = yield* verdictFor(dm)
    const verdict = Option.getOrElse(read, () => UNREAD)
    const floor = !isAlertSeverity(verdict.severity)
    if (floor && settings.relay.belowThreshold === "notice") {
      yield* noticeOf(dm, `the NLP reads it as ${verdict.severity.toUpperCase()}, so no alert was opened`)
      return Option.none<NewConversation>()
    }
    const message: IntakeMessage = {
      guildId,
      channelId: dm.channelId,
      messageId: dm.messageId,
      authorId: dm.authorId,
      authorName: dm.authorName,
      ...(dm.authorAvatarUrl === undefined ? {} : { authorAvatarUrl: dm.authorAvatarUrl }),
      content: dm.content,
      sentAt: dm.sentAt,
      viaDm: true,
    }
    const dispatcher = yield* AlertDispatcher
    const outcome = yield* dispatcher.dispatch(message, floor ? { ...verdict, severity: "medium" } : verdict)
    if (outcome._tag === "Failed" || outcome._tag === "Skipped") {
      yield* noticeOf(dm, `no alert could be opened (${outcome.reason})`)
      return Option.none<NewConversation>()
    }
    const route =
      outcome._tag === "Posted"
        ? yield* onAlert(outcome.alertId, dm, true)
        : yield* onAlert(outcome.openAlertId, dm, false)
    // The DM was read on the way: the relay shows that reading instead of asking again.
    const reading = Option.match(read, { onNone: () => null, onSome: (v) => ({ severity: v.severity }) })
    if (route._tag === "Relay") return Option.some<NewConversation>({ relay: route.relay, reading })
    if (route._tag === "NotOpen") yield* noticeOf(dm, "its alert closed at once")
    return Option.none<NewConversation>()
  }).pipe(
    Effect.catchAll((e) =>
      Effect.zipRight(
        Effect.logError(`no alert for a member's DM: ${e._tag}`),
        noticeOf(dm, "no alert could be opened"),
      ).pipe(Effect.as(Option.none<NewConversation>())),
    ),
  )

/**
 * The relay a DM from a member with no open conversation goes to: one on their open alert, or on
 * a new alert. None when the DM was shown to the CRT otherwise (a reply to the alert, a notice).
 */
export const relayForNewConversation = (dm: DirectMessage) =>
  Effect.gen(function* () {
    const guild = yield* guildOf(dm)
    if (Option.isNone(guild)) {
      yield* noticeOf(dm, "they share no server with the bot that it could open an alert in")
      return Option.none<NewConversation>()
    }
    const responses = yield* ResponseIndex
    const open = yield* withinBudget(
      "open alert",
      responses.openAlert(guild.value, dm.authorId),
      Option.none(),
      "taken as none",
    )
    if (Option.isSome(open)) {
      const route = yield* onAlert(open.value.alertId, dm, false)
      if (route._tag === "Relay") return Option.some<NewConversation>({ relay: route.relay, reading: null })
      if (route._tag === "Shown") return Option.none<NewConversation>()
    }
    return yield* newAlert(dm, guild.value)
  })
