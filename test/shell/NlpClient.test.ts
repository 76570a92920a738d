import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@effect/vitest"
import {
  Chunk,
  Clock,
  ConfigProvider,
  Effect,
  Either,
  Fiber,
  Layer,
  Logger,
  LogLevel,
  TestClock,
} from "effect"
import type { NlpRequest } from "../../src/core/Nlp.js"
import {
  makeNlpClient,
  NlpClient,
  type NlpClientService,
  type NlpSettings,
  NlpSettingsConfig,
  NlpUnavailable,
} from "../../src/shell/NlpClient.js"
import { type NlpStandIn, startNlpStandIn } from "../support/nlp/NlpStandIn.js"
import { freePort } from "../support/redisServer.js"

let standIn: NlpStandIn
beforeAll(async () => {
  standIn = await startNlpStandIn()
})
afterAll(() => standIn.stop())
beforeEach(() => standIn.reset())

const settings = (overrides: Partial<NlpSettings> = {}): NlpSettings => ({
  baseUrl: standIn.baseUrl,
  timeoutMs: 200,
  retries: 2,
  retryDelayMs: 10,
  rateLimitRetries: 2,
  maxRetryAfterMs: 5_000,
  concurrency: 4,
  breaker: { failureThreshold: 5, successThreshold: 2, cooldownMs: 30_000 },
  ...overrides,
})
const breaker = (failureThreshold: number, successThreshold = 2, cooldownMs = 30_000) => ({
  breaker: { failureThreshold, successThreshold, cooldownMs },
})

const request: NlpRequest = { message: "I don't see the point anymore", userId: "1001", channelId: "2002" }

/** A client over `s`, with breaker transitions kept out of the test output. */
const client = (s: NlpSettings) => makeNlpClient(s)
const quiet = Logger.minimumLogLevel(LogLevel.None)

/** The error of a call that must fail. */
const failure = (c: NlpClientService, r: NlpRequest = request) => Effect.flip(c.analyze(r))

const pause = Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, 5)))
/** Poll `check` in real time (the test clock may be frozen) until it holds. */
const eventually = (what: string, check: Effect.Effect<boolean>) =>
  Effect.gen(function* () {
    for (let i = 0; i < 400; i++) {
      if (yield* check) return
      yield* pause
    }
    return yield* Effect.die(new Error(`never happened: ${what}`))
  })
/** The client is asleep until `ms` from now (its Retry-After wait). */
const sleepingFor = (ms: number) =>
  Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    yield* eventually(
      `a ${ms} ms wait`,
      Effect.map(
        TestClock.sleeps(),
        Chunk.some((t) => t === now + ms),
      ),
    )
  })
const analyzeHits = () => standIn.received.filter((r) => r.path === "/analyze").length

describe("NlpClient against the NLP stand-in", () => {
  it.live("decodes a successful analysis and sends the contract's request", () =>
    Effect.gen(function* () {
      standIn.respond(() => standIn.replyFor("high", { request_id: "req_0123456789ab" }))
      const analysis = yield* (yield* client(settings())).analyze(request)
      expect(analysis).toMatchObject({ severity: "high", crisisScore: 0.78, requestId: "req_0123456789ab" })
      expect(analysis.keyFactors).toEqual(["emotional distress", "isolation"])
      expect(standIn.requests).toEqual([
        {
          message: request.message,
          user_id: "1001",
          channel_id: "2002",
          include_explanation: true,
          verbosity: "standard",
        },
      ])
    }),
  )

  it.live("sends the member's history oldest first", () =>
    Effect.gen(function* () {
      const at = (iso: string) => Date.parse(iso)
      const history = [
        { message: "worse today", at: at("2026-02-01T10:00:00Z"), crisisScore: 0.55 },
        { message: "rough week", at: at("2026-01-30T10:00:00Z"), crisisScore: 0.35 },
        { message: "can't sleep", at: at("2026-01-31T10:00:00Z"), crisisScore: 0.42 },
      ]
      yield* (yield* client(settings())).analyze({ ...request, history })
      expect(standIn.requests[0]?.message_history?.map((h) => h.message)).toEqual([
        "rough week",
        "can't sleep",
        "worse today",
      ])
    }),
  )

  it.live("never sends an empty or whitespace-only message", () =>
    Effect.gen(function* () {
      const c = yield* client(settings(breaker(1)))
      for (const message of ["", "  \n\t "]) {
        const error = yield* failure(c, { ...request, message })
        expect(error).toMatchObject({ _tag: "NlpRejected", reason: "empty_message" })
      }
      expect(standIn.received).toEqual([])
      expect(yield* c.state).toBe("closed")
    }),
  )

  it.live("retries a hung NLP, then reports it unavailable", () =>
    Effect.gen(function* () {
      standIn.respond(() => ({ fault: "timeout" }))
      const error = yield* failure(yield* client(settings()))
      expect(error).toMatchObject({ _tag: "NlpUnavailable", reason: "timeout", attempts: 3 })
      expect(standIn.requests).toHaveLength(3)
    }),
  )

  it.live("rides out two 503s and returns the third answer", () =>
    Effect.gen(function* () {
      let n = 0
      standIn.respond(() => (++n <= 2 ? { fault: "status", status: 503 } : standIn.replyFor("critical")))
      const analysis = yield* (yield* client(settings())).analyze(request)
      expect(analysis.severity).toBe("critical")
      expect(standIn.requests).toHaveLength(3)
    }),
  )

  it.live("reports a refused connection after the retries", () =>
    Effect.gen(function* () {
      const port = yield* Effect.promise(freePort)
      const error = yield* failure(yield* client(settings({ baseUrl: `http://127.0.0.1:${port}` })))
      expect(error).toMatchObject({ _tag: "NlpUnavailable", reason: "connection", attempts: 3 })
    }),
  )

  it.live("does not retry a 422, and it does not count against the breaker", () =>
    Effect.gen(function* () {
      standIn.respond(() => ({ fault: "status", status: 422 }))
      const c = yield* client(settings(breaker(1)))
      expect(yield* failure(c)).toMatchObject({ _tag: "NlpRejected", reason: "client_error", status: 422 })
      expect(standIn.requests).toHaveLength(1)
      expect(yield* c.state).toBe("closed")
    }),
  )

  it.live("retries an unreadable reply like a 5xx, and counts it as a breaker failure", () =>
    Effect.gen(function* () {
      standIn.respond(() => ({ fault: "malformed" }))
      const c = yield* client(settings(breaker(2)))
      expect(yield* failure(c)).toMatchObject({
        _tag: "NlpUnavailable",
        reason: "unreadable",
        status: 200,
        attempts: 3,
      })
      expect(standIn.requests).toHaveLength(3)
      standIn.respond(() => ({ ...standIn.replyFor("high"), severity: "HIGH", crisis_score: 1.7 }))
      expect(yield* failure(c)).toMatchObject({ _tag: "NlpUnavailable", reason: "unreadable" })
      expect(yield* c.state).toBe("open")
    }).pipe(Effect.provide(quiet)),
  )

  it.live("an unreadable reply followed by a readable one is a verdict", () =>
    Effect.gen(function* () {
      let n = 0
      standIn.respond(() =>
        n++ === 0 ? { fault: "malformed", body: "<html>502</html>" } : standIn.replyFor("critical"),
      )
      const analysis = yield* (yield* client(settings())).analyze(request)
      expect(analysis.severity).toBe("critical")
      expect(standIn.requests).toHaveLength(2)
    }),
  )

  it.live(
    "a reply with an unreadable auxiliary block keeps its verdict, with one WARN naming the block",
    () =>
      Effect.gen(function* () {
        const reply = {
          ...standIn.replyFor("high"),
          request_id: "req_0123456789ab",
          context_analysis: { escalation_detected: true, trend: 3 },
        }
        standIn.respond(() => reply)
        const lines: Array<string> = []
        const logger = Logger.replace(
          Logger.defaultLogger,
          Logger.make(({ logLevel, message }) => {
            if (logLevel._tag === "Warning") lines.push(String(message))
          }),
        )
        const analysis = yield* (yield* client(settings())).analyze(request).pipe(Effect.provide(logger))
        expect(analysis).toMatchObject({ severity: "high", context: { escalationDetected: true } })
        expect(lines).toEqual([
          expect.stringContaining("NLP reply req_0123456789ab: ignored unreadable context_analysis.trend"),
        ])
      }),
  )

  it.effect("waits as long as Retry-After says on a 429, then retries; no breaker failure", () =>
    Effect.gen(function* () {
      let n = 0
      standIn.respond(() =>
        ++n === 1 ? { fault: "status", status: 429, retryAfter: 2 } : standIn.replyFor("medium"),
      )
      const c = yield* client(settings(breaker(1)))
      const call = yield* Effect.fork(c.analyze(request))
      yield* sleepingFor(2_000)
      expect(standIn.requests).toHaveLength(1)
      yield* TestClock.adjust("2 seconds")
      expect((yield* Fiber.join(call)).severity).toBe("medium")
      expect(standIn.requests).toHaveLength(2)
      expect(yield* c.state).toBe("closed")
    }),
  )

  it.effect("reads Retry-After as an HTTP date, and caps a long one", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(Date.parse("2026-03-01T10:00:00Z"))
      const retryAfter = ["Sun, 01 Mar 2026 10:00:03 GMT", 3_600]
      let n = 0
      standIn.respond(() => {
        const wait = retryAfter[n++]
        return wait === undefined
          ? standIn.replyFor("low")
          : { fault: "status", status: 429, retryAfter: wait }
      })
      const call = yield* Effect.fork((yield* client(settings())).analyze(request))
      yield* sleepingFor(3_000)
      yield* TestClock.adjust("3 seconds")
      yield* sleepingFor(5_000)
      yield* TestClock.adjust("5 seconds")
      expect((yield* Fiber.join(call)).severity).toBe("low")
      expect(standIn.requests).toHaveLength(3)
    }),
  )

  it.live("gives up on a lasting 429 as rate limited, with the breaker still closed", () =>
    Effect.gen(function* () {
      standIn.respond(() => ({ fault: "status", status: 429, retryAfter: 0 }))
      const c = yield* client(settings({ rateLimitRetries: 1, ...breaker(1) }))
      expect(yield* failure(c)).toMatchObject({ _tag: "NlpUnavailable", reason: "rate_limited", attempts: 2 })
      expect(yield* c.state).toBe("closed")
    }),
  )
})

describe("NlpClient circuit breaker", () => {
  it.live("opens after N consecutive failed calls; the next call fails fast without a request", () =>
    Effect.gen(function* () {
      standIn.setDown(true)
      const c = yield* client(settings({ retries: 0, ...breaker(3) }))
      yield* failure(c)
      yield* failure(c)
      expect(yield* c.state).toBe("closed")
      yield* failure(c)
      expect(yield* c.state).toBe("open")
      expect(analyzeHits()).toBe(3)
      const error = yield* failure(c)
      expect(error).toEqual(
        new NlpUnavailable({
          reason: "circuit_open",
          attempts: 0,
          status: null,
          detail: "circuit breaker open",
        }),
      )
      expect(analyzeHits()).toBe(3)
    }).pipe(Effect.provide(quiet)),
  )

  it.live("counts a whole call once, retries included, and a success resets the count", () =>
    Effect.gen(function* () {
      const c = yield* client(settings({ retries: 2, ...breaker(2) }))
      standIn.setDown(true)
      yield* failure(c)
      expect(analyzeHits()).toBe(3)
      expect(yield* c.state).toBe("closed")
      standIn.setDown(false)
      yield* c.analyze(request)
      standIn.setDown(true)
      yield* failure(c)
      expect(yield* c.state).toBe("closed")
    }),
  )

  it.effect("after the cool-down lets one probe through while others fail fast; two successes close it", () =>
    Effect.gen(function* () {
      const c = yield* client(settings({ retries: 0, ...breaker(2, 2, 30_000) }))
      standIn.setDown(true)
      yield* failure(c)
      yield* failure(c)
      yield* TestClock.adjust("29 seconds")
      expect(yield* failure(c)).toMatchObject({ reason: "circuit_open" })
      expect(analyzeHits()).toBe(2)

      yield* TestClock.adjust("1 second")
      expect(yield* c.state).toBe("half_open")
      standIn.setDown(false)
      standIn.reset()
      standIn.respond(() => ({ fault: "timeout", afterMs: 150, reply: standIn.replyFor("high") }))
      const probe = yield* Effect.fork(c.analyze(request))
      yield* Effect.promise(() => standIn.waitForRequests(1))
      const others = yield* Effect.all([failure(c), failure(c), failure(c)], { concurrency: "unbounded" })
      expect(others.map((e) => e._tag === "NlpUnavailable" && e.reason)).toEqual(
        Array(3).fill("circuit_open"),
      )
      expect((yield* Fiber.join(probe)).severity).toBe("high")
      expect(standIn.requests).toHaveLength(1)
      expect(yield* c.state).toBe("half_open")

      standIn.respond(() => standIn.replyFor("low"))
      yield* c.analyze(request)
      expect(yield* c.state).toBe("closed")
      yield* Effect.all([c.analyze(request), c.analyze(request), c.analyze(request)], {
        concurrency: "unbounded",
      })
      expect(standIn.requests).toHaveLength(5)
    }).pipe(Effect.provide(quiet)),
  )

  it.effect("reopens when the probe fails, for another full cool-down", () =>
    Effect.gen(function* () {
      const c = yield* client(settings({ retries: 0, ...breaker(1, 2, 10_000) }))
      standIn.setDown(true)
      yield* failure(c)
      yield* TestClock.adjust("10 seconds")
      expect(yield* failure(c)).toMatchObject({ reason: "server_error", status: 503 })
      expect(yield* c.state).toBe("open")
      expect(yield* failure(c)).toMatchObject({ reason: "circuit_open" })
      yield* TestClock.adjust("10 seconds")
      standIn.setDown(false)
      yield* c.analyze(request)
      expect(yield* c.state).toBe("half_open")
    }).pipe(Effect.provide(quiet)),
  )

  it.effect("frees the probe slot when the probe is rejected with a 4xx", () =>
    Effect.gen(function* () {
      const c = yield* client(settings({ retries: 0, ...breaker(1, 1, 1_000) }))
      standIn.setDown(true)
      yield* failure(c)
      yield* TestClock.adjust("1 second")
      standIn.setDown(false)
      standIn.respond(() => ({ fault: "status", status: 400 }))
      expect(yield* failure(c)).toMatchObject({ _tag: "NlpRejected", status: 400 })
      expect(yield* c.state).toBe("half_open")
      standIn.respond(() => standIn.replyFor("safe"))
      yield* c.analyze(request)
      expect(yield* c.state).toBe("closed")
    }).pipe(Effect.provide(quiet)),
  )
})

describe("NlpClient health and layers", () => {
  it.live("is healthy only when /health answers ready", () =>
    Effect.gen(function* () {
      const c = yield* client(settings())
      expect(yield* c.health()).toBe(true)
      standIn.setDown(true)
      expect(yield* c.health()).toBe(false)
      const port = yield* Effect.promise(freePort)
      expect(yield* (yield* client(settings({ baseUrl: `http://127.0.0.1:${port}/` }))).health()).toBe(false)
    }),
  )

  const env = (vars: Record<string, string>) => ConfigProvider.fromMap(new Map(Object.entries(vars)))

  it.live("builds the Live layer from Ash-Bot v5 variables, with documented defaults", () =>
    Effect.gen(function* () {
      const defaults = yield* Effect.withConfigProvider(
        NlpSettingsConfig,
        env({ BOT_NLP_BASE_URL: "http://ash-nlp:30880" }),
      )
      expect(defaults).toEqual({
        baseUrl: "http://ash-nlp:30880",
        timeoutMs: 5_000,
        retries: 2,
        retryDelayMs: 1_000,
        rateLimitRetries: 2,
        maxRetryAfterMs: 10_000,
        concurrency: 16,
        breaker: { failureThreshold: 5, successThreshold: 2, cooldownMs: 30_000 },
      })
      const live = NlpClient.Live.pipe(
        Layer.provide(Layer.setConfigProvider(env({ BOT_NLP_BASE_URL: standIn.baseUrl }))),
      )
      const analysis = yield* Effect.flatMap(NlpClient, (nlp) => nlp.analyze(request)).pipe(
        Effect.provide(live),
      )
      expect(analysis.severity).toBe("safe")
    }),
  )

  const base = { BOT_NLP_BASE_URL: "http://ash-nlp:30880" }
  it.each([
    [{}, "BOT_NLP_BASE_URL"],
    [{ BOT_NLP_BASE_URL: "ash-nlp:30880" }, "BOT_NLP_BASE_URL"],
    [{ ...base, BOT_NLP_TIMEOUT: "0.5" }, "BOT_NLP_TIMEOUT"],
    [{ ...base, BOT_NLP_RETRIES: "7" }, "BOT_NLP_RETRIES"],
    [{ ...base, BOT_NLP_RETRIES: "1.5" }, "BOT_NLP_RETRIES"],
    [{ ...base, BOT_NLP_RETRY_DELAY: "soon" }, "BOT_NLP_RETRY_DELAY"],
    [{ ...base, BOT_CB_NLP_FAILURES: "0" }, "BOT_CB_NLP_FAILURES"],
    [{ ...base, BOT_CB_NLP_TIMEOUT: "-1" }, "BOT_CB_NLP_TIMEOUT"],
  ])("refuses %j, naming %s", (vars, variable) => {
    const result = Effect.runSync(Effect.either(Effect.withConfigProvider(NlpSettingsConfig, env(vars))))
    expect(Either.isLeft(result) && String(result.left)).toContain(variable)
  })

  it.effect("fromFunction serves tests that need no HTTP", () =>
    Effect.gen(function* () {
      const nlp = yield* NlpClient
      expect(yield* nlp.analyze(request)).toMatchObject({ severity: "medium" })
      expect(yield* nlp.health()).toBe(true)
      expect(yield* nlp.state).toBe("closed")
    }).pipe(
      Effect.provide(
        NlpClient.fromFunction(() =>
          Effect.succeed({
            severity: "medium",
            crisisScore: 0.6,
            confidence: 0.7,
            keyFactors: [],
            requestId: "req_1",
            processingTimeMs: 1,
            isDegraded: false,
          }),
        ),
      ),
    ),
  )
})
