/**
 * While the NLP cannot analyse: what the CRT is told, what is kept, and what happens to the kept
 * messages when it answers again. Unreadable or refused replies are not an outage.
 */

import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Ref, TestClock } from "effect"
import { AlertDispatcher } from "../../src/app/alerts/AlertDispatcher.js"
import { AlertLifecycle } from "../../src/app/alerts/AlertLifecycle.js"
import { AshContact } from "../../src/app/contact/AshContact.js"
import { Intake } from "../../src/app/intake/Intake.js"
import { NlpOutage } from "../../src/app/intake/NlpOutage.js"
import { Features } from "../../src/app/main.js"
import { RelayThreads } from "../../src/app/relay/RelayThreads.js"
import type { IncomingMessage } from "../../src/shell/discord/Discord.js"
import { DiscordMemory } from "../../src/shell/discord/DiscordMemory.js"
import { NlpRejected, NlpUnavailable } from "../../src/shell/NlpClient.js"
import { OutageBuffer } from "../../src/shell/OutageBuffer.js"
import { RedisError } from "../../src/shell/Redis.js"
import {
  alertFor,
  alertsAbout,
  analysisOf,
  CHANNEL,
  intakeCounts,
  logged,
  NlpScript,
  noticesContaining,
  onTwins,
  posts,
  say,
  settle,
  T0,
  USER,
  until,
  withBot,
  write,
} from "../support/app.js"

const DEGRADED = "Crisis detection degraded"
const RESTORED = "Crisis detection restored"

/** The intake looks for a recovered NLP every 5 s. */
const RECOVERY_POLL = "5 seconds"

const setDown = (down: boolean) => Effect.flatMap(NlpScript, (nlp) => nlp.setDown(down))

const buffered = (n: number) =>
  until(
    `${n} message(s) kept for re-analysis`,
    Effect.map(intakeCounts, (c) => c.nlp_buffered_count === n),
  )

const alerts = Effect.map(posts, (all) => all.filter((m) => m.embeds.length > 0))

describe("NLP outage", () => {
  it.effect("NLP unavailable: one 'degraded' notice per notice window, no ping, every message kept", () =>
    withBot(
      Effect.gen(function* () {
        yield* setDown(true)
        for (const from of [USER.river, USER.sky, USER.jade]) yield* say("high", { from })
        yield* buffered(3)
        const [notice, ...more] = yield* noticesContaining(DEGRADED)
        expect(more).toEqual([])
        expect(notice?.channelId).toBe(CHANNEL.monitor)
        expect(notice?.sent.allowedMentions).toEqual({ parse: [], roles: [], users: [], repliedUser: false })
        // Still inside the 2-minute window: kept, and no second notice.
        yield* TestClock.adjust("119 seconds")
        yield* say("critical", { from: USER.rowan })
        yield* buffered(4)
        expect(yield* noticesContaining(DEGRADED)).toHaveLength(1)
        // The window is over and the NLP is still down: the CRT is reminded once.
        yield* TestClock.adjust("1 second")
        yield* say("medium", { from: USER.quinn })
        yield* buffered(5)
        expect(yield* noticesContaining(DEGRADED)).toHaveLength(2)
        expect(yield* alerts).toEqual([])
      }),
      { env: { BOT_NLP_DEGRADED_NOTICE_MINUTES: "2" } },
    ),
  )

  it.effect(
    "recovery: one 'restored' notice, and the kept messages alert in the order the members wrote them",
    () =>
      withBot(
        Effect.gen(function* () {
          const discord = yield* DiscordMemory
          yield* setDown(true)
          const author = (id: string) => ({
            id,
            bot: false,
            displayName: "Member",
            avatarUrl: undefined,
            roleIds: [],
          })
          // The second-written message arrives first; the first-written is delivered late (a gateway replay).
          const second = yield* discord.memberSays({
            channelId: CHANNEL.general,
            content: "second rated critical",
            author: author(USER.sky),
            sentAt: T0 - 2_000,
          })
          const first = yield* discord.memberSays({
            channelId: CHANNEL.vent,
            content: "first rated high",
            author: author(USER.river),
            sentAt: T0 - 3_000,
          })
          const third = yield* discord.memberSays({
            channelId: CHANNEL.general,
            content: "third rated medium",
            author: author(USER.jade),
            sentAt: T0 - 1_000,
          })
          yield* buffered(3)
          yield* setDown(false)
          yield* TestClock.adjust(RECOVERY_POLL)
          yield* alertFor(third)
          const posted = yield* alerts
          expect(posted.map((m) => m.channelId)).toEqual([CHANNEL.crisis, CHANNEL.critical, CHANNEL.monitor])
          for (const [i, source] of [first, second, third].entries())
            expect((yield* alertsAbout(source)).map((m) => m.messageId)).toEqual([posted[i]?.messageId])
          const restored = yield* noticesContaining(RESTORED)
          expect(restored.map((m) => m.content)).toEqual([
            "✅ **Crisis detection restored.** Re-analysing 3 message(s) sent during the outage.",
          ])
          yield* TestClock.adjust(RECOVERY_POLL)
          yield* settle
          expect(yield* noticesContaining(RESTORED)).toHaveLength(1)
          expect(yield* noticesContaining(DEGRADED)).toHaveLength(1)
        }),
        { nlpConcurrency: 4 },
      ),
  )

  it.effect(
    "the NLP answers its health check before it analyses again: 'restored' only once it really is",
    () =>
      withBot(
        Effect.gen(function* () {
          const nlp = yield* NlpScript
          yield* setDown(true)
          // As when the NLP is back but the client's circuit breaker still refuses every call.
          yield* nlp.setHealthyWhileDown(true)
          const kept = yield* say("high", { from: USER.quinn })
          yield* buffered(1)
          for (let i = 0; i < 3; i++) {
            yield* TestClock.adjust(RECOVERY_POLL)
            yield* settle
          }
          expect(yield* noticesContaining(RESTORED)).toEqual([])
          expect(yield* alerts).toEqual([])
          yield* setDown(false)
          yield* TestClock.adjust(RECOVERY_POLL)
          yield* alertFor(kept)
          yield* TestClock.adjust(RECOVERY_POLL)
          yield* settle
          expect((yield* noticesContaining(RESTORED)).map((m) => m.content)).toEqual([
            "✅ **Crisis detection restored.** Re-analysing 1 message(s) sent during the outage.",
          ])
        }),
      ),
  )

  it.effect(
    "a failing health check does not hold alerts back: a message the NLP analysed starts the recovery",
    () =>
      withBot(
        Effect.gen(function* () {
          const nlp = yield* NlpScript
          yield* setDown(true)
          const kept = yield* say("high", { from: USER.quinn })
          yield* buffered(1)
          // The NLP analyses again, but its health check keeps failing.
          yield* nlp.setHealthFailing(true)
          yield* setDown(false)
          yield* TestClock.adjust("1 second")
          const live = yield* say("critical", { from: USER.jade })
          // Analysed, it waits behind the earlier message…
          yield* buffered(2)
          // …and the next recovery pass needs no health check to take both, in order.
          yield* TestClock.adjust(RECOVERY_POLL)
          yield* alertFor(kept)
          yield* alertFor(live)
          expect((yield* noticesContaining(RESTORED)).map((m) => m.content)).toEqual([
            "✅ **Crisis detection restored.** Re-analysing 2 message(s) sent during the outage.",
          ])
        }),
      ),
  )

  it.effect("a second outage soon after recovery is announced again", () =>
    withBot(
      Effect.gen(function* () {
        yield* setDown(true)
        yield* say("high", { from: USER.river })
        yield* buffered(1)
        yield* setDown(false)
        yield* TestClock.adjust(RECOVERY_POLL)
        yield* until(
          "the 'restored' notice",
          Effect.map(noticesContaining(RESTORED), (n) => n.length === 1),
        )
        // Five minutes later, well inside the 15-minute notice window, the NLP goes down again.
        yield* TestClock.adjust("5 minutes")
        yield* setDown(true)
        yield* say("high", { from: USER.sky })
        yield* buffered(2)
        expect(yield* noticesContaining(DEGRADED)).toHaveLength(2)
      }),
    ),
  )

  it.effect(
    "a message still failing as the NLP comes back is analysed next, without a new 'degraded' notice",
    () =>
      withBot(
        Effect.gen(function* () {
          const nlp = yield* NlpScript
          const attempts = yield* Ref.make(0)
          // Its request hangs until the NLP's timeout, 7 s, and fails; asked again, the NLP answers.
          yield* nlp.script("help me, rated high", () =>
            Effect.flatMap(
              Ref.getAndUpdate(attempts, (n) => n + 1),
              (n) =>
                n === 0
                  ? Effect.zipRight(
                      Effect.sleep("7 seconds"),
                      Effect.fail(
                        new NlpUnavailable({ reason: "timeout", attempts: 3, status: null, detail: "slow" }),
                      ),
                    )
                  : Effect.succeed(analysisOf("high")),
            ),
          )
          yield* setDown(true)
          const early = yield* say("high", { from: USER.river })
          yield* buffered(1)
          const straggler = yield* write(USER.sky, "help me, rated high")
          yield* setDown(false)
          yield* TestClock.adjust(RECOVERY_POLL)
          yield* alertFor(early)
          yield* TestClock.adjust("2 seconds")
          yield* buffered(2)
          yield* TestClock.adjust("3 seconds")
          yield* alertFor(straggler)
          expect(yield* noticesContaining(DEGRADED)).toHaveLength(1)
          expect(yield* noticesContaining(RESTORED)).toHaveLength(1)
        }),
        { nlpConcurrency: 2 },
      ),
  )

  it.effect("messages over the buffer limit are lost, and the CRT is told how many", () =>
    withBot(
      Effect.gen(function* () {
        yield* setDown(true)
        for (const from of [USER.river, USER.sky, USER.jade]) yield* say("high", { from })
        yield* buffered(3)
        yield* setDown(false)
        yield* TestClock.adjust(RECOVERY_POLL)
        yield* until(
          "the 'restored' notice",
          Effect.map(noticesContaining(RESTORED), (n) => n.length === 1),
        )
        const [notice] = yield* noticesContaining(RESTORED)
        expect(notice?.content).toContain("Re-analysing 2 message(s)")
        expect(notice?.content).toContain(
          "1 message(s) could not be analysed (1 over the buffer limit, 0 too old)",
        )
        expect((yield* intakeCounts).nlp_buffer_overflow_count).toBe(1)
        expect(yield* logged("ERROR")).toContain(
          "NLP outage: 1 message(s) dropped over the buffer limit, never analysed",
        )
      }),
      { env: { BOT_NLP_BUFFER_MAX: "2" } },
    ),
  )

  it.effect(
    "messages kept longer than the buffer's age limit are not alerted late, and the CRT is told",
    () =>
      withBot(
        Effect.gen(function* () {
          yield* setDown(true)
          const old = yield* say("high", { from: USER.river })
          yield* buffered(1)
          yield* TestClock.adjust("2 minutes")
          const recent = yield* say("high", { from: USER.sky })
          yield* buffered(2)
          yield* setDown(false)
          yield* TestClock.adjust(RECOVERY_POLL)
          yield* alertFor(recent)
          const [notice] = yield* noticesContaining(RESTORED)
          expect(notice?.content).toContain("Re-analysing 1 message(s)")
          expect(notice?.content).toContain("(0 over the buffer limit, 1 too old)")
          expect((yield* intakeCounts).nlp_buffer_expired_count).toBe(1)
          expect(yield* alertsAbout(old)).toEqual([])
        }),
        { env: { BOT_NLP_BUFFER_MAX_AGE_MINUTES: "1" } },
      ),
  )
})

describe("unreadable and refused NLP replies", () => {
  const unreadable = () =>
    new NlpUnavailable({
      reason: "unreadable",
      attempts: 3,
      status: 200,
      detail: "HTTP 200 reply unreadable",
    })

  it.effect(
    "an unreadable reply is kept, the CRT is told why, and it alerts once the replies read again",
    () =>
      withBot(
        Effect.gen(function* () {
          const nlp = yield* NlpScript
          const readable = yield* Ref.make(false)
          const text = "rated critical, but the NLP answers garbage for now"
          yield* nlp.script(text, () =>
            Effect.flatMap(Ref.get(readable), (ok) =>
              ok ? Effect.succeed(analysisOf("critical")) : Effect.fail(unreadable()),
            ),
          )
          const message = yield* write(USER.bystander, text)
          yield* buffered(1)
          const [notice] = yield* noticesContaining(DEGRADED)
          expect(notice?.content).toContain("the NLP answers in a form the bot cannot read")
          expect((yield* intakeCounts).nlp_malformed_count).toBe(1)
          expect(yield* alertsAbout(message)).toEqual([])
          expect(yield* logged("ERROR")).toEqual(
            expect.arrayContaining([
              expect.stringContaining(`NLP replies for message ${message.messageId} unreadable`),
            ]),
          )
          yield* Ref.set(readable, true)
          yield* TestClock.adjust(RECOVERY_POLL)
          yield* alertFor(message)
          expect(yield* noticesContaining(RESTORED)).toHaveLength(1)
        }),
      ),
  )

  it.effect("a refused message is logged and counted, never alerted, and is not taken for an outage", () =>
    withBot(
      Effect.gen(function* () {
        const nlp = yield* NlpScript
        yield* nlp.script("the NLP refuses this", () =>
          Effect.fail(new NlpRejected({ reason: "client_error", status: 422, detail: "HTTP 422" })),
        )
        const refused = yield* write(USER.bystander, "the NLP refuses this")
        const control = yield* say("medium", { from: USER.bystander, channel: CHANNEL.vent })
        yield* alertFor(control)
        const counts = yield* intakeCounts
        expect([counts.nlp_rejected_count, counts.nlp_buffered_count]).toEqual([1, 0])
        expect(yield* alertsAbout(refused)).toEqual([])
        expect(yield* alerts).toHaveLength(1)
        expect(yield* noticesContaining(DEGRADED)).toEqual([])
        expect(yield* logged("WARN")).toEqual(
          expect.arrayContaining([expect.stringContaining(`NLP refused message ${refused.messageId}`)]),
        )
      }),
    ),
  )
})

describe("kept messages across restarts and processes", () => {
  /** A second bot process over the same stores and Discord: its own intake, outage and interpreter. */
  const secondProcess = Layer.fresh(Intake.Live).pipe(
    Layer.provide(Layer.fresh(NlpOutage.Live)),
    Layer.provide(Layer.fresh(AlertDispatcher.Live)),
    Layer.provide(Layer.fresh(AlertLifecycle.Live)),
    Layer.provide(Layer.mergeAll(AshContact.Live, RelayThreads.Live)),
  )

  /** Analyses asked for each text since `from` requests were made. */
  const analysesSince = (from: number, texts: ReadonlyArray<string>) =>
    Effect.map(
      Effect.flatMap(NlpScript, (nlp) => nlp.requests),
      (all) => texts.map((t) => all.slice(from).filter((r) => r.message === t).length),
    )

  it.effect(
    "messages kept while the NLP was down survive a restart, and two processes analyse each once",
    () =>
      onTwins(
        Effect.gen(function* () {
          const nlp = yield* NlpScript
          const texts = ["kept one rated high", "kept two rated critical", "kept three rated safe"]
          const sources = yield* Effect.gen(function* () {
            yield* setDown(true)
            const sent = yield* Effect.forEach(texts, (t, i) =>
              write([USER.river, USER.sky, USER.jade][i] ?? "", t),
            )
            yield* buffered(3)
            return sent
          }).pipe(Effect.provide(Features))
          // The bot is down; the NLP comes back before it does.
          yield* setDown(false)
          const before = (yield* nlp.requests).length
          yield* Effect.gen(function* () {
            yield* TestClock.adjust(RECOVERY_POLL)
            yield* alertFor(sources[1] as IncomingMessage)
            yield* alertFor(sources[0] as IncomingMessage)
            yield* TestClock.adjust(RECOVERY_POLL)
            yield* settle
          }).pipe(Effect.provide(Layer.merge(Features, secondProcess)))
          expect(yield* analysesSince(before, texts)).toEqual([1, 1, 1])
          expect((yield* alerts).length).toBe(2)
          expect(yield* noticesContaining(RESTORED)).toHaveLength(1)
          expect(yield* Effect.flatMap(OutageBuffer, (b) => b.size)).toBe(0)
        }),
      ),
  )

  it.effect(
    "a kept message the NLP cannot read while it reads others is given up, with a link for the CRT",
    () =>
      withBot(
        Effect.gen(function* () {
          const nlp = yield* NlpScript
          const poison = "rated critical, the NLP chokes on this one"
          yield* nlp.script(poison, () =>
            Effect.fail(
              new NlpUnavailable({ reason: "unreadable", attempts: 3, status: 200, detail: "not JSON" }),
            ),
          )
          const stuck = yield* write(USER.river, poison)
          yield* buffered(1)
          const others: Array<IncomingMessage> = []
          for (const [i, from] of [USER.sky, USER.jade, USER.rowan].entries()) {
            // Each newer message gets a verdict but must wait behind the stuck one.
            yield* TestClock.adjust("1 second")
            others.push(yield* say("high", { from }))
            yield* buffered(i + 2)
            yield* TestClock.adjust(RECOVERY_POLL)
          }
          for (const source of others) yield* alertFor(source)
          const [notice, ...more] = yield* noticesContaining("A message could not be analysed")
          expect(more).toEqual([])
          expect(notice?.content).toContain(`/${stuck.channelId}/${stuck.messageId}`)
          expect(notice?.content).not.toContain(poison)
          expect((yield* intakeCounts).nlp_unanalysable_count).toBe(1)
          // The newer messages only waited behind it: no outage of their own was announced.
          expect(yield* noticesContaining(DEGRADED)).toHaveLength(1)
          expect(yield* alertsAbout(stuck)).toEqual([])
        }),
      ),
  )
})

describe("Redis unreachable as well", () => {
  const unreachable = new RedisError({ operation: "outage buffer", cause: "connection refused" })

  /** The outage buffer twin behind a switch: while `down` is set, every call fails as Redis would. */
  const switchable = (down: Ref.Ref<boolean>) =>
    Layer.effect(
      OutageBuffer,
      Effect.map(OutageBuffer, (inner) => {
        const gate = <A>(e: Effect.Effect<A, RedisError>): Effect.Effect<A, RedisError> =>
          Effect.flatMap(Ref.get(down), (d) => (d ? Effect.fail(unreachable) : e))
        const service: OutageBuffer["Type"] = {
          keep: (m, l) => gate(inner.keep(m, l)),
          oldest: gate(inner.oldest),
          remove: (id) => gate(inner.remove(id)),
          analysed: (id, now, ms) => gate(inner.analysed(id, now, ms)),
          announced: gate(inner.announced),
          expire: (c) => gate(inner.expire(c)),
          size: gate(inner.size),
          waitingBefore: (s) => gate(inner.waitingBefore(s)),
          takeAnswering: gate(inner.takeAnswering),
          lease: (o, t) => gate(inner.lease(o, t)),
          releaseLease: (o) => gate(inner.releaseLease(o)),
          noticeDue: (n, w, s) => gate(inner.noticeDue(n, w, s)),
          endOutage: (n) => gate(inner.endOutage(n)),
        }
        return service
      }),
    )

  it.effect(
    "the message is kept in the process, the CRT is told, and it alerts once the NLP is back, Redis or not",
    () =>
      onTwins(
        Effect.gen(function* () {
          const redisDown = yield* Ref.make(true)
          yield* Effect.gen(function* () {
            yield* setDown(true)
            const source = yield* say("high", { from: USER.river })
            yield* until(
              "the message kept in the process",
              Effect.map(logged("ERROR"), (lines) =>
                lines.some((l) => l.includes(`message ${source.messageId} kept in this process`)),
              ),
            )
            expect(yield* noticesContaining(DEGRADED)).toHaveLength(1)
            // Redis still down when the NLP is back: this process analyses what it kept itself.
            yield* setDown(false)
            yield* TestClock.adjust(RECOVERY_POLL)
            yield* alertFor(source)
            yield* until(
              "the 'restored' notice",
              Effect.map(noticesContaining(RESTORED), (n) => n.length === 1),
            )
            // Redis back: nothing is analysed or announced again.
            yield* Ref.set(redisDown, false)
            yield* TestClock.adjust(RECOVERY_POLL)
            yield* settle
            expect(yield* alertsAbout(source)).toHaveLength(1)
            expect(yield* noticesContaining(RESTORED)).toHaveLength(1)
          }).pipe(Effect.provide(Features.pipe(Layer.provide(switchable(redisDown)))))
        }),
      ),
  )
})
