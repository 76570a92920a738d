import { Clock, Context, Effect, Layer, Option, Ref } from "effect"
import { Discord } from "../../shell/discord/Discord.js"
import { type IntakeCounter, IntakeCounters } from "../../shell/IntakeCounters.js"
import type { IntakeMessage } from "../alerts/AlertDispatcher.js"
import { BotSettings } from "../runtime/BotSettings.js"
import { countIntake } from "../runtime/Counting.js"

interface OutageState {
  readonly buffer: ReadonlyArray<IntakeMessage>
  /** Messages dropped because the buffer was full, not yet counted. */
  readonly overflow: number
  /** Messages lost to the buffer's size and age limits, not yet told to the CRT. */
  readonly unreported: { readonly overflow: number; readonly expired: number }
  /** When the CRT was last told detection is degraded; null once told it is restored. */
  readonly lastNoticeAt: number | null
  /** When the CRT was last told detection is restored. */
  readonly restoredAt: number | null
  /** An analysis succeeded while messages were kept: the NLP answers again. */
  readonly answering: boolean
}

/**
 * Why a message waits for a later analysis: the NLP gave no verdict (down, or its replies cannot
 * be read), or older messages still wait for theirs.
 */
export type WaitReason = "nlp_down" | "nlp_unreadable" | "behind_older"

export interface NlpOutageService {
  /** Keep a message the NLP could not analyse and tell the CRT detection is degraded (rate-limited). */
  readonly buffer: (message: IntakeMessage, reason: WaitReason) => Effect.Effect<void>
  /** Take every buffered message (oldest first) to analyse again; counts overflow and expiry. */
  readonly drain: Effect.Effect<ReadonlyArray<IntakeMessage>>
  /**
   * A kept message was analysed again: tell the CRT detection is restored, with what was lost,
   * once per announced outage. A later failure is announced as a new outage.
   */
  readonly restored: (analysing: number) => Effect.Effect<void>
  /** Put messages back at the front when the NLP failed again while draining. */
  readonly requeue: (messages: ReadonlyArray<IntakeMessage>) => Effect.Effect<void>
  readonly size: Effect.Effect<number>
  /**
   * Whether a message written before `sentAt` is still waiting to be analysed. Asked after a
   * message was analysed: a yes also says the NLP answers again, so recovery need not wait for
   * its health check.
   */
  readonly waitingBefore: (sentAt: number) => Effect.Effect<boolean>
  /** Whether an analysis succeeded since the kept messages were last taken (see `waitingBefore`). */
  readonly answering: Effect.Effect<boolean>
}

/** The channel CRT notices go to: the monitor channel, else the next configured alert channel. */
const noticeChannel = (settings: BotSettings["Type"]): string | undefined => {
  const c = settings.dispatch.channels
  return c.monitor[0] ?? c.crisis[0] ?? c.critical[0]
}

/** Post a notice for the CRT; a failure is logged, never thrown (the caller is already degraded). */
export const postNotice = (content: string) =>
  Effect.gen(function* () {
    const settings = yield* BotSettings
    const discord = yield* Discord
    const channelId = noticeChannel(settings)
    if (channelId === undefined) return yield* Effect.logError(`no channel for a CRT notice: ${content}`)
    yield* discord.post(channelId, {
      content,
      allowedMentions: { parse: [], roles: [], users: [], repliedUser: false },
    })
  }).pipe(Effect.catchAll((e) => Effect.logError(e.message)))

const degraded = (reason: WaitReason): string =>
  `⚠️ **Crisis detection degraded**: ${
    reason === "nlp_unreadable"
      ? "the NLP answers in a form the bot cannot read"
      : "the NLP service is not answering"
  }. Messages are kept and will be analysed when it recovers. Please keep an eye on the monitored channels meanwhile.`

const WHY: Readonly<Record<WaitReason, string>> = {
  nlp_down: "NLP unavailable",
  nlp_unreadable: "NLP replies unreadable",
  behind_older: "older messages still wait",
}

const restored = (analysing: number, overflow: number, expired: number): string => {
  const lost = overflow + expired
  return (
    `✅ **Crisis detection restored.** Re-analysing ${analysing} message(s) sent during the outage.` +
    (lost > 0
      ? ` ⚠️ ${lost} message(s) could not be analysed (${overflow} over the buffer limit, ${expired} too old): please review the monitored channels for that period.`
      : "")
  )
}

type Limits = BotSettings["Type"]["nlpOutage"]

/**
 * The state after keeping `message`, in the order the members wrote (a message whose analysis
 * failed later may have been written earlier), and whether a degraded notice is due.
 */
const keep = (
  s: OutageState,
  message: IntakeMessage,
  now: number,
  limits: Limits,
): [boolean, OutageState] => {
  const kept = [...s.buffer, message].sort((a, b) => a.sentAt - b.sentAt)
  const dropped = Math.max(0, kept.length - limits.bufferMax)
  // Written before the last "restored" notice, its analysis was still failing when the NLP came
  // back: it belongs to the outage that notice ended, and is kept without announcing a new one.
  const straggler = s.restoredAt !== null && message.sentAt < s.restoredAt
  const noticeDue = s.lastNoticeAt === null ? !straggler : now - s.lastNoticeAt >= limits.noticeWindowMs
  return [
    noticeDue,
    {
      ...s,
      buffer: kept.slice(dropped),
      overflow: s.overflow + dropped,
      lastNoticeAt: noticeDue ? now : s.lastNoticeAt,
    },
  ]
}

/** The state after taking the buffer to analyse again; what was lost waits to be told to the CRT. */
const take = (s: OutageState, now: number, limits: Limits) => {
  const fresh = s.buffer.filter((m) => now - m.sentAt <= limits.bufferMaxAgeMs)
  const expired = s.buffer.length - fresh.length
  const unreported = { overflow: s.unreported.overflow + s.overflow, expired: s.unreported.expired + expired }
  return [
    { fresh, overflow: s.overflow, expired },
    { ...s, buffer: [], overflow: 0, unreported, answering: false },
  ] as const
}

/** What was lost during the announced outage, if one was announced, and the state once it is over. */
const restore = (s: OutageState, now: number) =>
  s.lastNoticeAt === null
    ? ([Option.none(), s] as const)
    : ([
        Option.some(s.unreported),
        { ...s, unreported: { overflow: 0, expired: 0 }, lastNoticeAt: null, restoredAt: now },
      ] as const)

const INITIAL: OutageState = {
  buffer: [],
  overflow: 0,
  unreported: { overflow: 0, expired: 0 },
  lastNoticeAt: null,
  restoredAt: null,
  answering: false,
}

/** The buffer lives in memory: what is still in it at shutdown was never analysed, and is logged. */
const logLeftAtShutdown = (state: Ref.Ref<OutageState>) =>
  Effect.addFinalizer(() =>
    Effect.gen(function* () {
      const left = (yield* Ref.get(state)).buffer
      if (left.length === 0) return
      yield* Effect.logError(
        `NLP outage: ${left.length} message(s) never analysed at shutdown: ${left.map((m) => `${m.channelId}/${m.messageId}`).join(", ")}`,
      )
    }),
  )

const make = Effect.gen(function* () {
  const settings = yield* BotSettings
  const discord = yield* Discord
  const counters = yield* IntakeCounters
  const count = (counter: IntakeCounter, by: number) =>
    countIntake(counter, by).pipe(
      Effect.provideService(BotSettings, settings),
      Effect.provideService(IntakeCounters, counters),
    )
  const notice = (content: string) =>
    postNotice(content).pipe(
      Effect.provideService(BotSettings, settings),
      Effect.provideService(Discord, discord),
    )
  const limits = settings.nlpOutage
  const state = yield* Ref.make<OutageState>(INITIAL)
  yield* logLeftAtShutdown(state)
  const buffer = (message: IntakeMessage, reason: WaitReason) =>
    Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const due = yield* Ref.modify(state, (s) => keep(s, message, now, limits))
      yield* Effect.logWarning(`${WHY[reason]}: message ${message.messageId} kept for re-analysis`)
      yield* count("nlp_buffered_count", 1)
      if (due) yield* notice(degraded(reason))
    })
  const drain = Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    const { fresh, overflow, expired } = yield* Ref.modify(state, (s) => take(s, now, limits))
    if (overflow + expired > 0)
      yield* Effect.logError(`NLP outage: ${overflow + expired} message(s) were never analysed`)
    yield* count("nlp_buffer_overflow_count", overflow)
    yield* count("nlp_buffer_expired_count", expired)
    return fresh
  })
  const announceRestored = (analysing: number) =>
    Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const lost = yield* Ref.modify(state, (s) => restore(s, now))
      if (Option.isSome(lost)) yield* notice(restored(analysing, lost.value.overflow, lost.value.expired))
    })
  return {
    buffer,
    drain,
    restored: announceRestored,
    requeue: (messages) => Ref.update(state, (s) => ({ ...s, buffer: [...messages, ...s.buffer] })),
    size: Effect.map(Ref.get(state), (s) => s.buffer.length),
    waitingBefore: (sentAt) =>
      Ref.modify(state, (s): [boolean, OutageState] => {
        const waiting = s.buffer.some((m) => m.sentAt < sentAt)
        return [waiting, waiting ? { ...s, answering: true } : s]
      }),
    answering: Effect.map(Ref.get(state), (s) => s.answering),
  } satisfies NlpOutageService
})

/** Messages kept while the NLP is down, and the "crisis detection degraded" notices. */
export class NlpOutage extends Context.Tag("ash/NlpOutage")<NlpOutage, NlpOutageService>() {
  static Live: Layer.Layer<NlpOutage, never, BotSettings | Discord | IntakeCounters> = Layer.scoped(
    NlpOutage,
    make,
  )
}
