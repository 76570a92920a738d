import { Agent as HttpAgent, request as httpRequest } from "node:http"
import { Agent as HttpsAgent, request as httpsRequest } from "node:https"
import {
  Clock,
  type ConfigError,
  Context,
  Data,
  Effect,
  Either,
  Exit,
  Layer,
  Random,
  Ref,
  Schema,
} from "effect"
import {
  admit,
  type BreakerState,
  type BreakerStatus,
  initialBreaker,
  type Outcome,
  type Permit,
  settle,
  statusOf,
} from "../core/CircuitBreaker.js"
import {
  type AnalyzeReading,
  analyzeRequestBody,
  isBlankMessage,
  type NlpAnalysis,
  type NlpRequest,
  readAnalyzeReply,
  retryAfterMs,
} from "../core/Nlp.js"
import { type NlpSettings, NlpSettingsConfig } from "./NlpSettings.js"

export type { BreakerStatus } from "../core/CircuitBreaker.js"
export { type NlpSettings, NlpSettingsConfig } from "./NlpSettings.js"

/**
 * No verdict: timeouts, connection errors, 5xx, 429 or replies the bot cannot read (not JSON, no
 * severity, a score out of range) after the retries, or the circuit is open.
 */
export class NlpUnavailable extends Data.TaggedError("NlpUnavailable")<{
  readonly reason: "timeout" | "connection" | "server_error" | "unreadable" | "rate_limited" | "circuit_open"
  /** HTTP requests made; 0 when the open circuit refused the call. */
  readonly attempts: number
  /** The last HTTP status, when there was one. */
  readonly status: number | null
  readonly detail: string
}> {
  override get message(): string {
    return `NLP unavailable (${this.reason}) after ${this.attempts} request(s): ${this.detail}`
  }
}

/** The NLP refused the request (a 4xx other than 429), or the bot would not send it. */
export class NlpRejected extends Data.TaggedError("NlpRejected")<{
  readonly reason: "empty_message" | "client_error"
  readonly status: number | null
  readonly detail: string
}> {
  override get message(): string {
    return `NLP request rejected (${this.status ?? this.reason}): ${this.detail}`
  }
}

export type NlpError = NlpUnavailable | NlpRejected

export interface NlpClientService {
  /** Analyse one message: retried, rate-limit aware, behind the circuit breaker. */
  readonly analyze: (request: NlpRequest) => Effect.Effect<NlpAnalysis, NlpError>
  /** `GET /health` answered 200 with `ready: true` within 2 s. Bypasses the breaker. */
  readonly health: () => Effect.Effect<boolean>
  /** The breaker as the next call would find it (`half_open` once the cool-down is over). */
  readonly state: Effect.Effect<BreakerStatus>
  /** How many requests it sends at once; more wait their turn. */
  readonly concurrency: number
}

/** One HTTP exchange, classified. */
type Attempt =
  | { readonly _tag: "Ok"; readonly reading: AnalyzeReading }
  | {
      readonly _tag: "Transient"
      readonly reason: "timeout" | "connection" | "server_error" | "unreadable"
      readonly status: number | null
      readonly detail: string
    }
  | { readonly _tag: "RateLimited"; readonly waitMs: number | undefined }
  | { readonly _tag: "Final"; readonly error: NlpRejected }

interface Exchange {
  readonly status: number
  readonly retryAfter: string | null
  readonly text: string
}

const MAX_BACKOFF_MS = 30_000
const HEALTH_TIMEOUT_MS = 2_000

const clip = (text: string): string => (text.length <= 300 ? text : `${text.slice(0, 300)}…`)
const describe = (cause: unknown): string =>
  cause instanceof Error
    ? clip(cause.cause instanceof Error ? `${cause.message}: ${cause.cause.message}` : cause.message)
    : clip(String(cause))

const parseJson = Schema.decodeUnknownEither(Schema.parseJson())
const decodeHealth = Schema.decodeUnknownOption(Schema.parseJson(Schema.Struct({ ready: Schema.Boolean })))

/** One HTTP call to the NLP: method, path under the base URL, and an optional JSON body. */
interface Call {
  readonly method: "GET" | "POST"
  readonly path: "/analyze" | "/health"
  readonly body?: string
}

/**
 * Keep-alive HTTP to the NLP over `node:http(s)`: one pooled socket per concurrent request, and
 * no per-request stream or abort-signal machinery. Idle pooled sockets do not keep the process
 * alive.
 */
const makeTransport = (base: string, maxSockets: number) => {
  const secure = base.startsWith("https:")
  const agent = secure
    ? new HttpsAgent({ keepAlive: true, maxSockets })
    : new HttpAgent({ keepAlive: true, maxSockets })
  const send = secure ? httpsRequest : httpRequest

  /** One request with its timeout; failures come back as a classified `Attempt`. */
  return (call: Call, timeoutMs: number): Effect.Effect<Exchange, Attempt> =>
    Effect.async<Exchange, Attempt>((resume) => {
      const headers: Record<string, string> = { accept: "application/json" }
      if (call.body !== undefined) {
        headers["content-type"] = "application/json"
        headers["content-length"] = String(Buffer.byteLength(call.body))
      }
      const connectionFailed = (cause: unknown) =>
        resume(
          Effect.fail({ _tag: "Transient", reason: "connection", status: null, detail: describe(cause) }),
        )
      const req = send(`${base}${call.path}`, { method: call.method, agent, headers }, (res) => {
        const chunks: Buffer[] = []
        res.on("data", (chunk: Buffer) => chunks.push(chunk))
        res.on("error", connectionFailed)
        res.on("end", () => {
          const retryAfter = res.headers["retry-after"]
          resume(
            Effect.succeed({
              status: res.statusCode ?? 0,
              retryAfter: typeof retryAfter === "string" ? retryAfter : null,
              text: Buffer.concat(chunks).toString("utf8"),
            }),
          )
        })
      })
      req.on("error", connectionFailed)
      req.end(call.body)
      // Interrupted (the timeout below, or shutdown): a hung NLP must not keep the socket.
      return Effect.sync(() => req.destroy())
    }).pipe(
      Effect.timeoutFail({
        duration: timeoutMs,
        onTimeout: (): Attempt => ({
          _tag: "Transient",
          reason: "timeout",
          status: null,
          detail: `no reply within ${timeoutMs} ms`,
        }),
      }),
    )
}

/** A 2xx body read as a verdict, or why it cannot be (the member's text is never in the reason). */
const readBody = (status: number, text: string): Attempt => {
  const json = parseJson(text)
  const reading = Either.isRight(json) ? readAnalyzeReply(json.right) : Either.left("not JSON")
  if (Either.isRight(reading)) return { _tag: "Ok", reading: reading.right }
  const detail = `HTTP ${status} reply unreadable: ${clip(reading.left)}`
  return { _tag: "Transient", reason: "unreadable", status, detail }
}

const classify = ({ status, retryAfter, text }: Exchange, nowMs: number): Attempt => {
  if (status >= 200 && status < 300) return readBody(status, text)
  if (status === 429) return { _tag: "RateLimited", waitMs: retryAfterMs(retryAfter, nowMs) }
  if (status >= 500) return { _tag: "Transient", reason: "server_error", status, detail: `HTTP ${status}` }
  // A 4xx body may echo the member's text: it stays out of errors and logs.
  if (status >= 400) {
    const error = new NlpRejected({ reason: "client_error", status, detail: `HTTP ${status}` })
    return { _tag: "Final", error }
  }
  return { _tag: "Transient", reason: "unreadable", status, detail: `unexpected HTTP ${status}` }
}

/** One WARN for the optional parts of a reply that were left out; the verdict stands. */
const warnDropped = ({ analysis, dropped }: AnalyzeReading) =>
  dropped.length === 0
    ? Effect.void
    : Effect.logWarning(
        `NLP reply ${analysis.requestId}: ignored unreadable ${dropped.join(", ")}; the verdict (${analysis.severity}) stands`,
      )

/** What a finished call tells the breaker. A 4xx, a 429 or an interruption say nothing either way. */
const outcomeOf = (exit: Exit.Exit<NlpAnalysis, NlpError>): Outcome => {
  if (Exit.isSuccess(exit)) return "success"
  if (exit.cause._tag !== "Fail") return "neutral"
  const error = exit.cause.error
  if (error._tag === "NlpRejected") return "neutral"
  return error.reason === "rate_limited" || error.reason === "circuit_open" ? "neutral" : "failure"
}

type Transport = ReturnType<typeof makeTransport>

/** Attempts until an answer or a final error, retrying within the two budgets (errors, 429s). */
const makeAttempt = (settings: NlpSettings, exchange: Transport, inFlight: Effect.Semaphore) => {
  const backoff = (retry: number) =>
    Effect.map(Random.nextRange(0.5, 1.5), (jitter) =>
      Math.round(Math.min(MAX_BACKOFF_MS, settings.retryDelayMs * 2 ** retry) * jitter),
    )
  const attempt = (
    call: Call,
    made: number,
    retried: number,
    waited: number,
  ): Effect.Effect<NlpAnalysis, NlpError> =>
    Effect.gen(function* () {
      const response = yield* Effect.either(inFlight.withPermits(1)(exchange(call, settings.timeoutMs)))
      const now = yield* Clock.currentTimeMillis
      const result = response._tag === "Left" ? response.left : classify(response.right, now)
      const attempts = made + 1
      switch (result._tag) {
        case "Ok":
          yield* warnDropped(result.reading)
          return result.reading.analysis
        case "Final":
          return yield* result.error
        case "RateLimited": {
          if (waited >= settings.rateLimitRetries) {
            const detail = "HTTP 429: rate limited"
            return yield* new NlpUnavailable({ reason: "rate_limited", attempts, status: 429, detail })
          }
          const waitMs = Math.min(settings.maxRetryAfterMs, result.waitMs ?? (yield* backoff(waited)))
          yield* Effect.logDebug(`NLP rate-limited; retrying in ${waitMs} ms`)
          yield* Effect.sleep(waitMs)
          return yield* attempt(call, attempts, retried, waited + 1)
        }
        case "Transient": {
          const { reason, status, detail } = result
          if (retried >= settings.retries)
            return yield* new NlpUnavailable({ reason, attempts, status, detail })
          const waitMs = yield* backoff(retried)
          yield* Effect.logDebug(`NLP request failed (${detail}); retrying in ${waitMs} ms`)
          yield* Effect.sleep(waitMs)
          return yield* attempt(call, attempts, retried + 1, waited)
        }
      }
    })
  return (call: Call) => attempt(call, 0, 0, 0)
}

/** The circuit breaker around calls: admits or refuses, and settles each call's outcome. */
const makeGuard = (settings: NlpSettings, breaker: Ref.Ref<BreakerState>) => {
  const settleCall = (permit: Permit, outcome: Outcome) =>
    Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const [before, after] = yield* Ref.modify(
        breaker,
        (b): readonly [readonly [BreakerStatus, BreakerStatus], BreakerState] => {
          const next = settle(b, permit, outcome, now, settings.breaker)
          return [[b._tag, next._tag], next]
        },
      )
      if (before === after) return
      yield* (after === "open" ? Effect.logWarning : Effect.logInfo)(
        `NLP circuit breaker ${before} → ${after}`,
      )
    })
  /** Run `call` if the breaker admits it, and report how it ended, even when interrupted. */
  return (call: Effect.Effect<NlpAnalysis, NlpError>) =>
    Effect.uninterruptibleMask((restore) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const permit = yield* Ref.modify(breaker, (b) => admit(b, now))
        if (permit === null) {
          const detail = "circuit breaker open"
          return yield* new NlpUnavailable({ reason: "circuit_open", attempts: 0, status: null, detail })
        }
        const exit = yield* Effect.exit(restore(call))
        yield* settleCall(permit, outcomeOf(exit))
        return yield* exit
      }),
    )
}

/** Build the client over `fetch`, with its own breaker. */
export const makeNlpClient = (settings: NlpSettings): Effect.Effect<NlpClientService> =>
  Effect.gen(function* () {
    const base = settings.baseUrl.replace(/\/+$/, "")
    // One socket more than the analyses in flight, for the recovery loop's health checks.
    const exchange = makeTransport(base, settings.concurrency + 1)
    const breaker = yield* Ref.make<BreakerState>(initialBreaker)
    // A burst of messages queues here instead of opening one connection per message; the wait for
    // a turn is not part of a request's timeout.
    const attempt = makeAttempt(settings, exchange, yield* Effect.makeSemaphore(settings.concurrency))
    const guarded = makeGuard(settings, breaker)
    const analyze = (request: NlpRequest): Effect.Effect<NlpAnalysis, NlpError> => {
      if (isBlankMessage(request.message)) {
        const detail = "empty or whitespace-only message"
        return Effect.fail(new NlpRejected({ reason: "empty_message", status: null, detail }))
      }
      const body = JSON.stringify(analyzeRequestBody(request))
      return guarded(attempt({ method: "POST", path: "/analyze", body }))
    }
    const health = () =>
      exchange({ method: "GET", path: "/health" }, Math.min(settings.timeoutMs, HEALTH_TIMEOUT_MS)).pipe(
        Effect.map(({ status, text }) => {
          const body = decodeHealth(text)
          return status === 200 && body._tag === "Some" && body.value.ready
        }),
        Effect.orElseSucceed(() => false),
      )
    const state = Effect.zipWith(Ref.get(breaker), Clock.currentTimeMillis, statusOf)
    return { analyze, health, state, concurrency: settings.concurrency }
  })

/** The NLP service (reference §2). */
export class NlpClient extends Context.Tag("ash/NlpClient")<NlpClient, NlpClientService>() {
  static layer(settings: NlpSettings): Layer.Layer<NlpClient> {
    return Layer.effect(NlpClient, makeNlpClient(settings))
  }

  /** Settings from the environment. */
  static Live: Layer.Layer<NlpClient, ConfigError.ConfigError> = Layer.unwrapEffect(
    Effect.map(NlpSettingsConfig, (settings) => NlpClient.layer(settings)),
  )

  /** Answers every call with `f`; always healthy, breaker always closed. For tests. */
  static fromFunction(
    f: (request: NlpRequest) => Effect.Effect<NlpAnalysis, NlpError>,
  ): Layer.Layer<NlpClient> {
    return Layer.succeed(NlpClient, {
      analyze: f,
      health: () => Effect.succeed(true),
      state: Effect.succeed<BreakerStatus>("closed"),
      concurrency: 16,
    })
  }
}
