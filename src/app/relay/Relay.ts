/**
 * The conversation relay. A member's DM on an open conversation goes to the staff thread on their
 * alert (in order, at once), with the NLP's reading added when it comes; a CRT member's message in
 * the staff thread goes to the member's DM, signed. A DM with no open conversation is never
 * dropped: it joins the member's open alert, or opens a new one, or (when configured, below
 * MEDIUM) becomes a notice in the monitor channel.
 */
import { randomBytes } from "node:crypto"
import { Effect, Layer, Option, Schedule, Stream } from "effect"
import type { AlertId } from "../../core/Alert.js"
import { NO_MENTIONS } from "../../core/DiscordMessage.js"
import { pingRolesFor } from "../../core/Dispatch.js"
import {
  firstReplyPing,
  isStaffNote,
  NOT_RELAYED_CLOSED,
  NOT_RELAYED_NO_TEXT,
  NOT_RELAYED_NOT_CRT,
  NOT_RELAYED_STORE_DOWN,
  type RelayedReading,
  relayedEmbed,
  relayFailedNotice,
  signedForMember,
} from "../../core/Relay.js"
import { isAlertSeverity } from "../../core/Severity.js"
import { AlertStore } from "../../shell/AlertStore.js"
import {
  type DirectMessage,
  Discord,
  type IncomingMessage,
  type MessageRef,
} from "../../shell/discord/Discord.js"
import { NlpClient } from "../../shell/NlpClient.js"
import { type Relay, RelayStore } from "../../shell/RelayStore.js"
import type { ResponseIndex } from "../../shell/ResponseIndex.js"
import type { AlertDispatcher } from "../alerts/AlertDispatcher.js"
import { AlertLifecycle } from "../alerts/AlertLifecycle.js"
import { OUTAGE_RETRY } from "../alerts/Renotify.js"
import { AshContact } from "../contact/AshContact.js"
import { BotSettings } from "../runtime/BotSettings.js"
import { drainingRunner, keyedWorkerPool, SHUTDOWN_GRACE } from "../runtime/Handlers.js"
import { RelayThreads, STORE_RETRY } from "./RelayThreads.js"
import {
  type NewConversation,
  nlpRequestOf,
  noticeOf,
  relayedOf,
  relayForNewConversation,
} from "./Unsolicited.js"

const DAY_MS = 86_400_000

/** How long an answer waits for its alert to be on record before counting as the first response. */
const AWAIT_RECORD = Schedule.spaced("250 millis").pipe(Schedule.upTo("15 seconds"))

/** What the NLP reads in a relayed message: its severity, or why there is none. */
const readingOf = (dm: DirectMessage) =>
  Effect.flatMap(NlpClient, (nlp) =>
    nlp.analyze(nlpRequestOf(dm)).pipe(
      Effect.map((analysis): RelayedReading => ({ severity: analysis.severity })),
      Effect.catchAll((e) =>
        Effect.succeed<RelayedReading>({
          unavailable: e._tag === "NlpUnavailable" ? "NLP unavailable" : "refused",
        }),
      ),
    ),
  )

/**
 * The reading shown on the relayed message (`known` when the DM was read on the way already); a
 * severity above the alert's raises it (and re-pings).
 */
const showReading = (relay: Relay, dm: DirectMessage, posted: MessageRef, known: RelayedReading | null) =>
  Effect.gen(function* () {
    if (dm.content.trim() === "") return
    const discord = yield* Discord
    const reading = known ?? (yield* readingOf(dm))
    yield* discord
      .edit(posted, {
        embeds: [relayedEmbed(relayedOf(dm), reading)],
        components: [],
        allowedMentions: NO_MENTIONS,
      })
      .pipe(
        Effect.retry(OUTAGE_RETRY),
        Effect.catchAll((e) => Effect.logWarning(`reading not shown: ${e.message}`)),
      )
    if (reading === null || !("severity" in reading) || !isAlertSeverity(reading.severity)) return
    const lifecycle = yield* AlertLifecycle
    yield* lifecycle.apply(relay.alertId, { _tag: "SeverityRaised", severity: reading.severity }).pipe(
      Effect.tap(() => Effect.logInfo(`alert raised to ${reading.severity} by the member's message`)),
      Effect.catchAll((e) =>
        e._tag === "EventRejected" ? Effect.void : Effect.logError(`alert not raised: ${e.message}`),
      ),
    )
  }).pipe(Effect.annotateLogs({ alert: relay.alertId, message_id: dm.messageId }))

/**
 * The member's DM in the staff thread; their first reply to Ash pings the CRT there. Should the
 * thread not take it, it goes to the alert message as a reply, else to a notice: the CRT reads
 * it whatever fails.
 */
const postToThread = (relay: Relay, dm: DirectMessage, first: boolean) =>
  Effect.gen(function* () {
    const discord = yield* Discord
    const settings = yield* BotSettings
    // A conversation the member began opened its alert with this very message: no second ping.
    const ping = first && relay.startedBy === "ash"
    const roles = ping ? pingRolesFor("critical", settings.dispatch.crtRoleIds) : []
    const message = {
      content: ping ? firstReplyPing(roles) : null,
      embeds: [relayedEmbed(relayedOf(dm), null)],
      allowedMentions: { ...NO_MENTIONS, roles },
    }
    const onAlert: MessageRef = { channelId: relay.alertChannelId, messageId: relay.threadId }
    return yield* discord.post(relay.threadId, message).pipe(
      Effect.retry(OUTAGE_RETRY),
      Effect.tapError((e) =>
        Effect.logError(`member's message not posted in the staff thread: ${e.message}`),
      ),
      Effect.orElse(() => discord.reply(onAlert, message).pipe(Effect.retry(OUTAGE_RETRY))),
      Effect.tapError((e) =>
        Effect.logError(`member's message not posted on the alert either: ${e.message}`),
      ),
      Effect.option,
    )
  })

/** Ash's answer to the member, if it has one (the automatic reply to their first message). */
const answerMember = (dm: DirectMessage, turn: { readonly first: boolean; readonly answered: boolean }) =>
  Effect.gen(function* () {
    const answer = yield* (yield* AshContact).answer(turn)
    if (Option.isNone(answer)) return
    yield* (yield* Discord)
      .sendDm(dm.authorId, { content: answer.value, allowedMentions: NO_MENTIONS })
      .pipe(Effect.catchAll((e) => Effect.logWarning(`automatic reply not sent: ${e.message}`)))
  })

type Fork = (effect: Effect.Effect<void, never, AlertLifecycle | Discord | NlpClient>) => void

/**
 * The member's relay, unless its alert has closed (a close that failed, or a process that stopped
 * before closing it): that relay is closed now, and the DM starts a new conversation.
 */
const stillOpen = (relay: Option.Option<Relay>) =>
  Effect.gen(function* () {
    if (Option.isNone(relay)) return relay
    const alert = yield* (yield* AlertStore)
      .get(relay.value.alertId)
      .pipe(Effect.option, Effect.map(Option.flatten))
    if (Option.isNone(alert) || alert.value.milestones.closed === null) return relay
    yield* (yield* RelayThreads).close(alert.value)
    return Option.none<Relay>()
  })

/** How long a relayed message is remembered as taken, so that no second process relays it. */
const CLAIM_MS = 3_600_000

/**
 * A member's DM: to their open conversation's thread, or to a new conversation. It is never
 * dropped: whatever fails, the CRT is shown it somewhere (the thread, the alert, a notice).
 */
const onMemberDm = (fork: Fork, owner: string) => (dm: DirectMessage) =>
  Effect.gen(function* () {
    const relays = yield* RelayStore
    // Without the store, the bot cannot tell where the message belongs: shown to the CRT as it is.
    const known = yield* Effect.all(
      [relays.claim(dm.messageId, owner, CLAIM_MS), relays.byMember(dm.authorId)],
      { concurrency: 2 },
    ).pipe(Effect.retry(STORE_RETRY), Effect.either)
    if (known._tag === "Left")
      return yield* noticeOf(dm, "the bot's store did not answer, so its conversation is unknown")
    const [mine, current] = known.right
    if (!mine) return
    const live = yield* stillOpen(current)
    const conversation = Option.isSome(live)
      ? Option.some<NewConversation>({ relay: live.value, reading: null })
      : yield* relayForNewConversation(dm)
    if (Option.isNone(conversation)) return
    const { relay, reading } = conversation.value
    const wrote = yield* relays.memberWrote(relay.alertId, DAY_MS * 30).pipe(
      // Unknown: no second ping, no automatic reply.
      Effect.orElseSucceed(() => ({ first: false, answered: true })),
    )
    const posted = yield* postToThread(relay, dm, wrote.first)
    if (Option.isNone(posted)) return yield* noticeOf(dm, "its conversation thread and alert did not take it")
    yield* answerMember(dm, wrote)
    fork(showReading(relay, dm, posted.value, reading))
  }).pipe(
    Effect.catchAllCause((cause) =>
      Effect.zipRight(
        Effect.logError("member's DM not relayed", cause),
        noticeOf(dm, "the relay failed").pipe(Effect.catchAllCause(() => Effect.void)),
      ),
    ),
    Effect.annotateLogs({ message_id: dm.messageId }),
  )

/** A reply in the staff thread, to the message it is about, pinging nobody. */
const threadNote = (message: IncomingMessage, content: string) =>
  Effect.flatMap(Discord, (discord) =>
    discord
      .reply(
        { channelId: message.channelId, messageId: message.messageId },
        { content, allowedMentions: NO_MENTIONS },
      )
      .pipe(
        Effect.retry(OUTAGE_RETRY),
        Effect.catchAll((e) => Effect.logWarning(`thread note not posted: ${e.message}`)),
      ),
  )

/** A CRT member's message to the member, signed; false (and shown in the thread) when it did not arrive. */
const sendToMember = (relay: Relay, message: IncomingMessage) =>
  Effect.gen(function* () {
    const discord = yield* Discord
    const settings = yield* BotSettings
    const name = settings.relay.signWithName ? message.author.displayName : null
    const sent = yield* Effect.forEach(signedForMember(message.content, name), (content) =>
      discord.sendDm(relay.memberId, { content, allowedMentions: NO_MENTIONS }),
    ).pipe(Effect.either)
    if (sent._tag === "Right") return true
    yield* Effect.logWarning(`CRT message not delivered to the member: ${sent.left.message}`)
    const why =
      sent.left.kind === "dm_closed" ? "they do not accept direct messages from the bot" : sent.left.message
    yield* threadNote(message, relayFailedNotice(why))
    return false
  })

/** A message in a thread of an alert channel, by someone other than the bot: relayed if it is a CRT answer in a staff thread. */
const onThreadMessage = (owner: string) => (message: IncomingMessage) =>
  Effect.gen(function* () {
    const relays = yield* RelayStore
    const known = yield* Effect.all(
      [relays.claim(message.messageId, owner, CLAIM_MS), relays.byThread(message.channelId)],
      { concurrency: 2 },
    ).pipe(Effect.retry(STORE_RETRY), Effect.either)
    if (known._tag === "Left") return yield* threadNote(message, NOT_RELAYED_STORE_DOWN)
    const [mine, relay] = known.right
    if (!mine || Option.isNone(relay)) return
    const settings = yield* BotSettings
    const crt = message.author.roleIds.some((r) => settings.dispatch.crtRoleIds.includes(r))
    if (!crt) return yield* threadNote(message, NOT_RELAYED_NOT_CRT)
    if (relay.value.closedAt !== null) return yield* threadNote(message, NOT_RELAYED_CLOSED)
    if (isStaffNote(message.content)) return
    if (message.content.trim() === "") return yield* threadNote(message, NOT_RELAYED_NO_TEXT)
    if (!(yield* sendToMember(relay.value, message))) return
    yield* relays.answered(relay.value.alertId, DAY_MS * 30).pipe(Effect.catchAll(() => Effect.void))
    yield* firstResponse(relay.value.alertId, message.author.id)
  }).pipe(
    Effect.catchAllCause((cause) => Effect.logError("staff thread message not relayed", cause)),
    Effect.annotateLogs({ message_id: message.messageId, channel: message.channelId }),
  )

/** A relayed CRT answer: the first human response, unless one was recorded before. */
const firstResponse = (alertId: AlertId, by: string) =>
  Effect.gen(function* () {
    const lifecycle = yield* AlertLifecycle
    const applied = yield* lifecycle
      .apply(alertId, { _tag: "FirstResponse", by, detection: "relay" })
      .pipe(
        Effect.retry({ schedule: AWAIT_RECORD, while: (e) => e._tag === "AlertRecording" }),
        Effect.either,
      )
    if (applied._tag === "Right") return yield* Effect.logInfo(`first response to ${alertId} (relay)`)
    if (applied.left._tag !== "EventRejected")
      yield* Effect.logError(`first response to ${alertId} NOT recorded: ${applied.left.message}`)
  })

/** How many ordered queues the relay spreads its work over (by member, by thread). */
const LANES = 8

type RelayNeeds =
  | Discord
  | BotSettings
  | RelayStore
  | RelayThreads
  | AlertLifecycle
  | AlertStore
  | AlertDispatcher
  | AshContact
  | NlpClient
  | ResponseIndex

/** Both directions of the relay, for as long as the bot runs; each in the order Discord delivered it. */
export const RelayLive = Layer.scopedDiscard(
  Effect.gen(function* () {
    const discord = yield* Discord
    const settings = yield* BotSettings
    const context = yield* Effect.context<RelayNeeds>()
    const run = yield* drainingRunner<AlertLifecycle | Discord | NlpClient>("relay readings", SHUTDOWN_GRACE)
    const fork: Fork = (effect) => run(effect)
    // This process's name on the messages it claims.
    const owner = randomBytes(6).toString("hex")
    // Each member's DMs (each thread's messages) in order; other members' go on in other lanes.
    const dms = yield* keyedWorkerPool("member DMs", LANES, SHUTDOWN_GRACE, (dm: DirectMessage) =>
      onMemberDm(fork, owner)(dm).pipe(Effect.provide(context)),
    )
    const answers = yield* keyedWorkerPool(
      "staff thread messages",
      LANES,
      SHUTDOWN_GRACE,
      (m: IncomingMessage) => onThreadMessage(owner)(m).pipe(Effect.provide(context)),
    )
    const { monitor, crisis, critical } = settings.dispatch.channels
    const alertChannels = new Set([...monitor, ...crisis, ...critical])
    yield* discord.directMessages.pipe(
      Stream.runForEach((dm) => Effect.sync(() => dms.offer(dm.authorId, dm))),
      Effect.forkScoped,
    )
    // Only messages in threads of the alert channels can be for a staff thread: the rest pass by.
    yield* discord.messages.pipe(
      Stream.filter(
        (m) => !m.author.bot && m.parentChannelId !== null && alertChannels.has(m.parentChannelId),
      ),
      Stream.runForEach((m) => Effect.sync(() => answers.offer(m.channelId, m))),
      Effect.forkScoped,
    )
  }),
)
