import { Config, Schema } from "effect"
import type { BreakerSettings } from "../core/CircuitBreaker.js"

export interface NlpSettings {
  /** e.g. `http://ash-nlp:30880`; `/analyze` and `/health` are appended. */
  readonly baseUrl: string
  /** One HTTP request, reading the body included. */
  readonly timeoutMs: number
  /** Extra attempts after a timeout, connection error or 5xx. */
  readonly retries: number
  /** Back-off before retry n (from 0): `retryDelayMs × 2^n` (≤ 30 s) times a random factor in [0.5, 1.5). */
  readonly retryDelayMs: number
  /** Extra attempts after a 429, on their own budget: a rate limit says nothing about the NLP's health. */
  readonly rateLimitRetries: number
  /** Longest `Retry-After` honoured; a longer one is cut to this. */
  readonly maxRetryAfterMs: number
  /** Requests in flight to the NLP at once; further messages wait their turn, in arrival order. */
  readonly concurrency: number
  readonly breaker: BreakerSettings
}

const number = (min: number, max: number, what: string, integer: boolean) =>
  Schema.NumberFromString.pipe(
    integer ? Schema.int() : Schema.finite(),
    Schema.between(min, max),
    Schema.annotations({ message: () => `${what} from ${min} to ${max}` }),
  )

/** An absolute http(s) URL. */
export const HttpUrl = Schema.String.pipe(
  Schema.filter((s) => {
    try {
      const u = new URL(s)
      return u.protocol === "http:" || u.protocol === "https:"
    } catch {
      return false
    }
  }),
  Schema.annotations({ message: () => "an http:// or https:// URL" }),
)

const opt = <A>(config: Config.Config<A>, fallback: A) => Config.withDefault(config, fallback)
const ms = (seconds: number) => Math.round(seconds * 1_000)

/**
 * NLP settings from the environment, with Ash-Bot v5's names (durations in seconds):
 * `BOT_NLP_BASE_URL` (required), `BOT_NLP_TIMEOUT` (1–30, 5), `BOT_NLP_RETRIES` (0–5, 2),
 * `BOT_NLP_RETRY_DELAY` (0–10, 1), `BOT_CB_NLP_FAILURES` (1–100, 5), `BOT_CB_NLP_SUCCESSES`
 * (1–100, 2), `BOT_CB_NLP_TIMEOUT` (1–3600, 30); and `BOT_NLP_CONCURRENCY` (1–256, 16).
 */
export const NlpSettingsConfig: Config.Config<NlpSettings> = Config.all({
  baseUrl: Schema.Config(
    "BOT_NLP_BASE_URL",
    HttpUrl.annotations({ message: () => "an http:// or https:// URL, e.g. http://ash-nlp:30880" }),
  ),
  timeout: opt(Schema.Config("BOT_NLP_TIMEOUT", number(1, 30, "seconds", false)), 5),
  retries: opt(Schema.Config("BOT_NLP_RETRIES", number(0, 5, "a whole number", true)), 2),
  retryDelay: opt(Schema.Config("BOT_NLP_RETRY_DELAY", number(0, 10, "seconds", false)), 1),
  failures: opt(Schema.Config("BOT_CB_NLP_FAILURES", number(1, 100, "a whole number", true)), 5),
  successes: opt(Schema.Config("BOT_CB_NLP_SUCCESSES", number(1, 100, "a whole number", true)), 2),
  cooldown: opt(Schema.Config("BOT_CB_NLP_TIMEOUT", number(1, 3_600, "seconds", false)), 30),
  concurrency: opt(Schema.Config("BOT_NLP_CONCURRENCY", number(1, 256, "a whole number", true)), 16),
}).pipe(
  Config.map(
    (c): NlpSettings => ({
      baseUrl: c.baseUrl,
      timeoutMs: ms(c.timeout),
      retries: c.retries,
      retryDelayMs: ms(c.retryDelay),
      rateLimitRetries: 2,
      maxRetryAfterMs: 10_000,
      concurrency: c.concurrency,
      breaker: { failureThreshold: c.failures, successThreshold: c.successes, cooldownMs: ms(c.cooldown) },
    }),
  ),
)
