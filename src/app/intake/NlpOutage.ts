/**
 * While the NLP gives no verdict: messages are kept (in Redis, shared by every process and
 * surviving a restart; in this process while Redis is unreachable too), the CRT is told detection
 * is degraded and why, and, once the NLP answers, told it is restored, once per outage.
 */

import { randomBytes } from "node:crypto"
import { hostname } from "node:os"
import { Clock, Context, Effect, Layer, Option, Ref, Schedule } from "effect"
import { NO_MENTIONS } from "../../core/DiscordMessage.js"
import type { IntakeMessage } from "../../core/Intake.js"
import { Discord } from "../../shell/discord/Discord.js"
import { type IntakeCounter, IntakeCounters } from "../../shell/IntakeCounters.js"
import { type Lost, OutageBuffer, type OutageBufferService } from "../../shell/OutageBuffer.js"
import type { RedisError } from "../../shell/Redis.js"
import { BotSettings } from "../runtime/BotSettings.js"
import { RECORD_BUDGET } from "../runtime/Budgets.js"
import { countIntake } from "../runtime/Counting.js"
import { jumpLink } from "../runtime/Links.js"

/**
 * Why a message waits for a later analysis: the NLP gave no verdict (down, or its replies cannot
 * be read), or older messages still wait for theirs.
 */
export type WaitReason = "nlp_down" | "nlp_unreadable" | "behind_older"

export interface NlpOutageService {
  /** Keep a message the NLP could not analyse and tell the CRT detection is degraded (rate-limited). */
  readonly buffer: (message: IntakeMessage, reason: WaitReason) => Effect.Effect<void>
  /**
   * Whether a message written before `sentAt` is still waiting to be analysed. Asked after a
   * message was analysed: a yes also says the NLP answers again.
   */
  readonly waitingBefore: (sentAt: number) => Effect.Effect<boolean>
  /** Move what this process kept while Redis was unreachable into Redis, oldest first; false while it cannot. */
  readonly flushLocal: Effect.Effect<boolean>
  /** What this process keeps while Redis is unreachable, oldest first. */
  readonly localKept: Effect.Effect<ReadonlyArray<IntakeMessage>>
  readonly forgetLocal: (messageId: string) => Effect.Effect<void>
  readonly size: Effect.Effect<number, RedisError>
  /** Whether an outage was announced and has not ended. */
  readonly announced: Effect.Effect<boolean, RedisError>
  /** Whether an analysis succeeded lately while messages were kept (and forget it). */
  readonly takeAnswering: Effect.Effect<boolean, RedisError>
  /**
   * Run `recovery` if this process wins the recovery lease, renewed while it runs and released
   * after; `recovery` gets a check of whether the lease is still held.
   */
  readonly whileLeased: <A, E, R>(
    recovery: (stillHeld: Effect.Effect<boolean>) => Effect.Effect<A, E, R>,
  ) => Effect.Effect<Option.Option<A>, E | RedisError, R>
  readonly oldest: Effect.Effect<Option.Option<IntakeMessage>, RedisError>
  /** A kept message was analysed: forget it (and never keep it again). */
  readonly analysed: (message: IntakeMessage) => Effect.Effect<void, RedisError>
  /** Drop kept messages older than the buffer's age limit; they are counted and logged. */
  readonly expireOld: Effect.Effect<void, RedisError>
  /**
   * A kept message was analysed again: tell the CRT detection is restored, with what was lost,
   * once per announced outage, whichever process ends it.
   */
  readonly restored: (analysing: number) => Effect.Effect<void>
  /** A kept message that cannot be analysed while others can: the CRT reads it instead. */
  readonly giveUp: (message: IntakeMessage, why: GiveUpReason) => Effect.Effect<void, RedisError>
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
      allowedMentions: NO_MENTIONS,
    })
  }).pipe(Effect.catchAll((e) => Effect.logError(e.message)))

const degraded = (reason: WaitReason): string =>
  `⚠️ **Crisis detection degraded**: ${
    reason === "nlp_unreadable"
      ? "the NLP answers in a form the bot cannot read"
      : "the NLP service is not answering"
  }. Messages are kept and will be analysed when it recovers. Please keep an eye on the monitored channels meanwhile.`

const restoredNotice = (analysing: number, { overflow, expired }: Lost): string => {
  const lost = overflow + expired
  return (
    `✅ **Crisis detection restored.** Re-analysing ${analysing} message(s) sent during the outage.` +
    (lost > 0
      ? ` ⚠️ ${lost} message(s) could not be analysed (${overflow} over the buffer limit, ${expired} too old): please review the monitored channels for that period.`
      : "")
  )
}

/** Why a kept message is given up: what the CRT is told, without its text. */
export type GiveUpReason = "unreadable" | "failed"

const GIVE_UP: Readonly<Record<GiveUpReason, string>> = {
  unreadable: "the NLP's replies for it cannot be read, while it reads others",
  failed: "analysing it failed again and again",
}

const unanalysable = (m: IntakeMessage, why: GiveUpReason) =>
  `⚠️ **A message could not be analysed**: ${GIVE_UP[why]}. Please read it yourselves: ${jumpLink(m)}`

const WHY: Readonly<Record<WaitReason, string>> = {
  nlp_down: "NLP unavailable",
  nlp_unreadable: "NLP replies unreadable",
  behind_older: "older messages still wait",
}

/** How long the recovery lease lasts without renewal: a process that died holding it stalls no one longer. */
const LEASE_MS = 30_000

/** Messages this process keeps while Redis is unreachable, oldest first, at most `max`. */
const keepLocally = (kept: ReadonlyArray<IntakeMessage>, message: IntakeMessage, max: number) => {
  const next = [...kept, message].sort((a, b) => a.sentAt - b.sentAt)
  const over = Math.max(0, next.length - max)
  return [over, next.slice(over)] as const
}

/** What the outage's parts share: the settings, the store, and the CRT's notices and counters. */
const makeContext = Effect.gen(function* () {
  const settings = yield* BotSettings
  const store = yield* OutageBuffer
  const services = Effect.provideService(BotSettings, settings)
  const discord = yield* Discord
  const counters = yield* IntakeCounters
  return {
    settings,
    store,
    /** When this process last told the CRT itself, Redis unable to say whether another had. */
    localNoticeAt: yield* Ref.make(Number.NEGATIVE_INFINITY),
    limits: { max: settings.nlpOutage.bufferMax, maxAgeMs: settings.nlpOutage.bufferMaxAgeMs },
    count: (counter: IntakeCounter, by: number) =>
      countIntake(counter, by).pipe(services, Effect.provideService(IntakeCounters, counters)),
    notice: (content: string) => postNotice(content).pipe(services, Effect.provideService(Discord, discord)),
  }
})

type OutageContext = Effect.Effect.Success<typeof makeContext>

/** Messages dropped over the buffer's limit: logged and counted. */
const overflowedWith = (count: OutageContext["count"]) => (over: number) =>
  over === 0
    ? Effect.void
    : Effect.zipRight(
        Effect.logError(`NLP outage: ${over} message(s) dropped over the buffer limit, never analysed`),
        count("nlp_buffer_overflow_count", over),
      )

/** Keeping messages: in Redis, or in this process while Redis is unreachable, with the notices. */
const makeKeeping = ({ settings, store, limits, count, notice, localNoticeAt }: OutageContext) =>
  Effect.gen(function* () {
    const overflowed = overflowedWith(count)
    const local = yield* Ref.make<ReadonlyArray<IntakeMessage>>([])
    yield* Effect.addFinalizer(() => logLeftAtShutdown(local))
    const keepInProcess = (message: IntakeMessage, cause: { readonly message: string }) =>
      Effect.gen(function* () {
        const over = yield* Ref.modify(local, (kept) => keepLocally(kept, message, limits.max))
        yield* Effect.logError(
          `Redis unreachable (${cause.message}): message ${message.messageId} kept in this process until it is back`,
        )
        yield* overflowed(over)
      })
    const noticeDue = (now: number, sentAt: number) =>
      store.noticeDue(now, settings.nlpOutage.noticeWindowMs, sentAt).pipe(
        Effect.timeout(RECORD_BUDGET),
        Effect.catchAll(() =>
          Ref.modify(localNoticeAt, (at): [boolean, number] =>
            now - at >= settings.nlpOutage.noticeWindowMs ? [true, now] : [false, at],
          ),
        ),
      )
    const buffer = (message: IntakeMessage, reason: WaitReason) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        yield* store.keep(message, limits).pipe(
          Effect.timeoutFail({
            duration: RECORD_BUDGET,
            onTimeout: () => ({ message: "no answer in time" }),
          }),
          Effect.matchEffect({
            onSuccess: (over) => overflowed(over),
            onFailure: (e) => keepInProcess(message, e),
          }),
        )
        yield* Effect.logWarning(`${WHY[reason]}: message ${message.messageId} kept for re-analysis`)
        yield* count("nlp_buffered_count", 1)
        // Waiting behind older messages is no outage of its own: the CRT was told of that one.
        if (reason !== "behind_older" && (yield* noticeDue(now, message.sentAt)))
          yield* notice(degraded(reason))
      })
    const forgetLocal = (messageId: string) =>
      Ref.update(local, (ms) => ms.filter((m) => m.messageId !== messageId))
    /** Move what this process kept into Redis; false while Redis does not take it. */
    const flushLocal = Effect.gen(function* () {
      for (const message of yield* Ref.get(local)) {
        const kept = yield* Effect.either(store.keep(message, limits).pipe(Effect.timeout(RECORD_BUDGET)))
        if (kept._tag === "Left") return false
        yield* forgetLocal(message.messageId)
        yield* overflowed(kept.right)
      }
      return true
    })
    const waitingBefore = (sentAt: number) =>
      Effect.gen(function* () {
        if ((yield* Ref.get(local)).some((m) => m.sentAt < sentAt)) return true
        return yield* store.waitingBefore(sentAt).pipe(
          Effect.timeout(RECORD_BUDGET),
          // Redis cannot say: the message goes ahead rather than wait on an unknown.
          Effect.orElseSucceed(() => false),
        )
      })
    return { buffer, flushLocal, waitingBefore, localKept: Ref.get(local), forgetLocal }
  })

/** Re-analysing what was kept: the lease, the order, and the end of the outage. */
/**
 * Hold the recovery lease for as long as `recovery` runs, renewed in the background; `recovery`
 * is given a check that says whether the lease is still this process's (it stops when not).
 */
const leased =
  (store: OutageBufferService, owner: string) =>
  <A, E, R>(recovery: (stillHeld: Effect.Effect<boolean>) => Effect.Effect<A, E, R>) =>
    Effect.scoped(
      Effect.gen(function* () {
        if (!(yield* store.lease(owner, LEASE_MS))) return Option.none<A>()
        yield* Effect.addFinalizer(() => Effect.ignore(store.releaseLease(owner)))
        const held = yield* Ref.make(true)
        const renew = store.lease(owner, LEASE_MS).pipe(
          Effect.orElseSucceed(() => false),
          Effect.flatMap((ok) => Ref.set(held, ok)),
        )
        yield* renew.pipe(
          Effect.repeat(Schedule.spaced(LEASE_MS / 3)),
          Effect.delay(LEASE_MS / 3),
          Effect.forkScoped,
        )
        return Option.some(yield* recovery(Ref.get(held)))
      }),
    )

/** Re-analysing what was kept: the lease, the order, and the end of the outage. */
const makeRecovery = ({ store, limits, count, notice, localNoticeAt }: OutageContext) => {
  const owner = `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`
  return {
    size: store.size,
    announced: store.announced,
    takeAnswering: store.takeAnswering,
    whileLeased: leased(store, owner),
    oldest: store.oldest,
    analysed: (message: IntakeMessage) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        store.analysed(message.messageId, now, limits.maxAgeMs),
      ),
    expireOld: Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const expired = yield* store.expire(now - limits.maxAgeMs)
      if (expired === 0) return
      yield* Effect.logError(`NLP outage: ${expired} kept message(s) too old to analyse, never analysed`)
      yield* count("nlp_buffer_expired_count", expired)
    }),
    restored: (analysing: number) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        // Redis unreachable: the outage it knows of ends when it is back (see the recovery).
        const lost = yield* store.endOutage(now).pipe(
          Effect.timeout(RECORD_BUDGET),
          Effect.orElseSucceed(() => Option.none<Lost>()),
        )
        // An outage this process announced on its own, Redis unreachable, ends here too.
        const announcedHere = yield* Ref.getAndSet(localNoticeAt, Number.NEGATIVE_INFINITY)
        if (Option.isSome(lost)) yield* notice(restoredNotice(analysing, lost.value))
        else if (announcedHere > Number.NEGATIVE_INFINITY)
          yield* notice(restoredNotice(analysing, { overflow: 0, expired: 0 }))
      }),
    giveUp: (message: IntakeMessage, why: GiveUpReason) =>
      Effect.gen(function* () {
        yield* store.remove(message.messageId)
        yield* Effect.logError(`kept message ${message.messageId} given up: ${GIVE_UP[why]}`)
        yield* count("nlp_unanalysable_count", 1)
        yield* notice(unanalysable(message, why))
      }),
  }
}

const make = Effect.gen(function* () {
  const context = yield* makeContext
  const keeping = yield* makeKeeping(context)
  return { ...keeping, ...makeRecovery(context) } satisfies NlpOutageService
})

/** What this process still keeps in memory at shutdown was never analysed, and is logged. */
const logLeftAtShutdown = (local: Ref.Ref<ReadonlyArray<IntakeMessage>>) =>
  Effect.flatMap(Ref.get(local), (left) =>
    left.length === 0
      ? Effect.void
      : Effect.logError(
          `NLP outage: ${left.length} message(s) kept in memory while Redis was unreachable, never analysed: ${left.map((m) => `${m.channelId}/${m.messageId}`).join(", ")}`,
        ),
  )

/** Messages kept while the NLP is down, and the "crisis detection degraded" notices. */
export class NlpOutage extends Context.Tag("ash/NlpOutage")<NlpOutage, NlpOutageService>() {
  static Live: Layer.Layer<NlpOutage, never, BotSettings | Discord | IntakeCounters | OutageBuffer> =
    Layer.scoped(NlpOutage, make)
}
