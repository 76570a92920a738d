/**
 * The NLP contract as the bot uses it (reference §2): the `/analyze` reply read into
 * `NlpAnalysis`, the request body, and the channel-sensitivity adjustment of PRODUCT.md §2.3.
 * Pure: time arrives as a parameter.
 */
import { Either, Schema } from "effect"
import { SEVERITIES, type Severity, Severity as SeveritySchema, severityRank } from "./Severity.js"

const Score = Schema.Number.pipe(Schema.between(0, 1))
const NonNegative = Schema.Number.pipe(Schema.nonNegative())
const Count = Schema.Number.pipe(Schema.int(), Schema.nonNegative())

/** What the NLP found in the member's recent messages; present when it analysed a history. */
export const NlpContext = Schema.Struct({
  escalationDetected: Schema.Boolean,
  // Stryker disable next-line ObjectLiteral: the analysis is built by readAnalyzeReply, never decoded from a value holding undefined.
  trend: Schema.optionalWith(Schema.String, { exact: true }),
  // Stryker disable next-line ObjectLiteral: the analysis is built by readAnalyzeReply, never decoded from a value holding undefined.
  messageCount: Schema.optionalWith(Count, { exact: true }),
})
export type NlpContext = typeof NlpContext.Type

/** One NLP verdict on one message, as the bot uses it. */
export const NlpAnalysis = Schema.Struct({
  severity: SeveritySchema,
  crisisScore: Score,
  confidence: Score,
  // Stryker disable next-line ObjectLiteral: the analysis is built by readAnalyzeReply, never decoded from a value holding undefined.
  recommendedAction: Schema.optionalWith(Schema.String, { exact: true }),
  keyFactors: Schema.Array(Schema.String),
  /** `"unknown"` when the NLP sent none (it normally sends `req_<12 hex>`). */
  requestId: Schema.String,
  /** Null when the NLP did not say. */
  processingTimeMs: Schema.NullOr(NonNegative),
  /** The NLP ran with some of its models missing. */
  isDegraded: Schema.Boolean,
  // Stryker disable next-line ObjectLiteral: the analysis is built by readAnalyzeReply, never decoded from a value holding undefined.
  context: Schema.optionalWith(NlpContext, { exact: true }),
})
export type NlpAnalysis = typeof NlpAnalysis.Type

/**
 * The part of an `/analyze` reply without which there is no verdict. Guessing any of these could
 * hide a crisis, so a reply without them is not read at all.
 */
const VerdictWire = Schema.Struct({ severity: SeveritySchema, crisis_score: Score, confidence: Score })

/** A reply as read: the analysis, and the optional parts that were present but unreadable. */
export interface AnalyzeReading {
  readonly analysis: NlpAnalysis
  /** Dotted paths of the parts left out (`context_analysis.trend`, say); empty when all was read. */
  readonly dropped: ReadonlyArray<string>
}

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  // Stryker disable next-line ConditionalExpression: every caller has answered null already.
  typeof value === "object" && value !== null && !Array.isArray(value)

/**
 * Reads the optional parts of a reply one by one: an absent or null part is simply absent, one
 * that does not decode is noted in `dropped` and read as absent.
 */
class Parts {
  readonly dropped: Array<string> = []

  read<A, I>(path: string, value: unknown, schema: Schema.Schema<A, I>): A | undefined {
    if (value === undefined || value === null) return undefined
    const decoded = Schema.decodeUnknownEither(schema)(value)
    if (Either.isRight(decoded)) return decoded.right
    this.dropped.push(path)
    return undefined
  }
}

const KeyFactors = Schema.Array(Schema.String)
/** ash-nlp v5 sends `{direction, velocity, …}`; other versions a bare direction. */
const Trend = Schema.Union(
  Schema.String,
  Schema.transform(Schema.Struct({ direction: Schema.String }), Schema.String, {
    // Stryker disable next-line BooleanLiteral: `strict` only changes how the transform is type-checked.
    strict: true,
    decode: (trend) => trend.direction,
    encode: (direction) => ({ direction }),
  }),
)
const HistoryAnalyzed = Schema.Struct({ message_count: Count })

/**
 * The context block. Escalation is read whenever `escalation_detected` is a boolean, whatever
 * shape the rest of the block has; the trend and the message count are details.
 */
const contextOf = (value: unknown, parts: Parts): NlpContext | undefined => {
  if (value === undefined || value === null) return undefined
  if (!isRecord(value)) {
    parts.dropped.push("context_analysis")
    return undefined
  }
  const escalation = parts.read(
    "context_analysis.escalation_detected",
    value.escalation_detected,
    Schema.Boolean,
  )
  const trend = parts.read("context_analysis.trend", value.trend, Trend)
  const history = parts.read("context_analysis.history_analyzed", value.history_analyzed, HistoryAnalyzed)
  return {
    escalationDetected: escalation ?? false,
    ...(trend === undefined ? {} : { trend }),
    ...(history === undefined ? {} : { messageCount: history.message_count }),
  }
}

const keyFactorsOf = (value: unknown, parts: Parts): ReadonlyArray<string> => {
  if (value === undefined || value === null) return []
  if (!isRecord(value)) {
    parts.dropped.push("explanation")
    return []
  }
  return parts.read("explanation.key_factors", value.key_factors, KeyFactors) ?? []
}

const decodeVerdict = Schema.decodeUnknownEither(VerdictWire)

/**
 * Read an `/analyze` reply (a JSON value). Only the verdict is required — severity, crisis score
 * and confidence — and its absence is the `Left` (a description, free of the member's text).
 * Everything else is read on its own: unknown fields are ignored, and an optional part that does
 * not decode is dropped and named, so that a change in an auxiliary block never costs a verdict.
 */
export const readAnalyzeReply = (reply: unknown): Either.Either<AnalyzeReading, string> => {
  const verdict = decodeVerdict(reply)
  if (Either.isLeft(verdict)) return Either.left(verdict.left.message)
  const wire = reply as Readonly<Record<string, unknown>>
  const parts = new Parts()
  const action = parts.read("recommended_action", wire.recommended_action, Schema.String)
  const keyFactors = keyFactorsOf(wire.explanation, parts)
  const requestId = parts.read("request_id", wire.request_id, Schema.String)
  const processingTimeMs = parts.read("processing_time_ms", wire.processing_time_ms, NonNegative)
  const isDegraded = parts.read("is_degraded", wire.is_degraded, Schema.Boolean)
  const context = contextOf(wire.context_analysis, parts)
  const { severity, crisis_score, confidence } = verdict.right
  return Either.right({
    analysis: {
      severity,
      crisisScore: crisis_score,
      confidence,
      ...(action === undefined ? {} : { recommendedAction: action }),
      keyFactors,
      requestId: requestId ?? "unknown",
      processingTimeMs: processingTimeMs ?? null,
      isDegraded: isDegraded ?? false,
      ...(context === undefined ? {} : { context }),
    },
    dropped: parts.dropped,
  })
}

// ---------------------------------------------------------------------------------------------
// Request

/** The NLP's limits (reference §2.2): longer text is cut, more history is dropped, oldest first. */
export const NLP_MAX_MESSAGE_CHARS = 10_000
export const NLP_MAX_HISTORY = 20

/** An earlier flagged message of the member (MemberStore's `HistoryEntry` fits). */
export interface NlpHistoryItem {
  readonly message: string
  /** Epoch milliseconds of the member's message. */
  readonly at: number
  readonly crisisScore?: number | undefined
  readonly messageId?: string | undefined
}

/** What the bot asks the NLP about one message. */
export interface NlpRequest {
  readonly message: string
  readonly userId?: string | undefined
  readonly channelId?: string | undefined
  readonly history?: ReadonlyArray<NlpHistoryItem> | undefined
}

export interface AnalyzeHistoryItemBody {
  readonly message: string
  readonly timestamp: string
  readonly crisis_score?: number
  readonly message_id?: string
}

/** The JSON body of `POST /analyze`. */
export interface AnalyzeRequestBody {
  readonly message: string
  readonly include_explanation: true
  readonly verbosity: "standard"
  readonly user_id?: string
  readonly channel_id?: string
  readonly message_history?: ReadonlyArray<AnalyzeHistoryItemBody>
}

/** The first `max` code points of `text` (the NLP counts code points, not UTF-16 units). */
const cut = (text: string, max: number): string =>
  // Stryker disable next-line EqualityOperator,ConditionalExpression: a shortcut; cutting a text within `max` units to `max` code points gives the same text.
  text.length <= max ? text : Array.from(text).slice(0, max).join("")

const MAX_DATE_MS = 8.64e15

const historyItemBody = (item: NlpHistoryItem): AnalyzeHistoryItemBody => {
  const score = item.crisisScore
  return {
    message: cut(item.message, NLP_MAX_MESSAGE_CHARS),
    timestamp: new Date(item.at).toISOString(),
    ...(score !== undefined && Number.isFinite(score)
      ? { crisis_score: Math.min(1, Math.max(0, score)) }
      : {}),
    ...(item.messageId ? { message_id: item.messageId } : {}),
  }
}

/**
 * The `/analyze` body: explanation on, standard verbosity, and the newest 20 usable history items
 * sent oldest first (the NLP reads its trend in the order given). Items the NLP would refuse
 * (blank text, impossible time) are left out rather than failing the whole request.
 */
export const analyzeRequestBody = (request: NlpRequest): AnalyzeRequestBody => {
  const history = (request.history ?? [])
    .filter((h) => h.message.trim() !== "" && Number.isFinite(h.at) && Math.abs(h.at) <= MAX_DATE_MS)
    // Array sort is stable: items of the same time keep the order given.
    .sort((a, b) => a.at - b.at)
    .slice(-NLP_MAX_HISTORY)
    .map(historyItemBody)
  return {
    message: cut(request.message, NLP_MAX_MESSAGE_CHARS),
    include_explanation: true,
    verbosity: "standard",
    ...(request.userId ? { user_id: request.userId } : {}),
    ...(request.channelId ? { channel_id: request.channelId } : {}),
    ...(history.length > 0 ? { message_history: history } : {}),
  }
}

/** Whether the NLP would refuse the message outright (empty or whitespace only). */
export const isBlankMessage = (message: string): boolean => message.trim() === ""

/**
 * The delay a `Retry-After` header asks for, in ms: delta-seconds or an HTTP date (relative to
 * `nowMs`). Undefined when the header is absent or unreadable; never negative.
 */
export const retryAfterMs = (header: string | null | undefined, nowMs: number): number | undefined => {
  if (header === null || header === undefined) return undefined
  const text = header.trim()
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1_000)
  // HTTP dates (IMF-fixdate and the two obsolete forms) all start with a day name.
  const at = /^[A-Za-z]{3}/.test(text) ? Date.parse(text) : Number.NaN
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs)
}

// ---------------------------------------------------------------------------------------------
// Channel sensitivity

/** Lowest crisis score of each severity (a score below `low` is safe). */
export const SeverityThresholds = Schema.Struct({
  critical: Score,
  high: Score,
  medium: Score,
  low: Score,
}).pipe(
  Schema.filter(
    (t) =>
      (t.critical >= t.high && t.high >= t.medium && t.medium >= t.low) ||
      "thresholds must not decrease from low to critical",
  ),
)
export type SeverityThresholds = typeof SeverityThresholds.Type

/** The NLP's own thresholds (ash-nlp `NLP_THRESHOLD_*` defaults); the bot uses no other table. */
export const DEFAULT_SEVERITY_THRESHOLDS: SeverityThresholds = {
  critical: 0.85,
  high: 0.7,
  medium: 0.5,
  low: 0.3,
}

/** The severity of a crisis score under `thresholds`. */
export const severityForScore = (score: number, thresholds: SeverityThresholds): Severity => {
  if (score >= thresholds.critical) return "critical"
  if (score >= thresholds.high) return "high"
  if (score >= thresholds.medium) return "medium"
  if (score >= thresholds.low) return "low"
  return "safe"
}

/** The NLP's action for each severity (reference §2.3). */
export const RECOMMENDED_ACTION: Readonly<Record<Severity, string>> = {
  critical: "immediate_outreach",
  high: "priority_response",
  medium: "standard_monitoring",
  low: "passive_monitoring",
  safe: "none",
}

/** An analysis after the channel's sensitivity: `severity` and `crisisScore` are the adjusted ones. */
export interface AdjustedAnalysis extends NlpAnalysis {
  readonly sensitivity: {
    readonly multiplier: number
    /** What the NLP itself said. */
    readonly nlpScore: number
    readonly nlpSeverity: Severity
  }
}

const bySeverityRank = (a: Severity, b: Severity, pick: (x: number, y: number) => number): Severity =>
  SEVERITIES[pick(severityRank(a), severityRank(b))] ?? a

/**
 * Apply a channel's multiplier: the score is multiplied and clamped to [0, 1], and the severity
 * re-derived with `thresholds`. The severity only moves in the multiplier's direction: a channel
 * that dampens (≤ 1) never raises it, one that amplifies (≥ 1) never lowers it, so the NLP's own
 * judgement (e.g. its review flags) is never overturned the other way. A multiplier that is not a
 * finite number ≥ 0 is treated as 1. The recommended action follows a changed severity.
 */
export const applySensitivity = (
  analysis: NlpAnalysis,
  multiplier: number,
  thresholds: SeverityThresholds = DEFAULT_SEVERITY_THRESHOLDS,
): AdjustedAnalysis => {
  const m = Number.isFinite(multiplier) && multiplier >= 0 ? multiplier : 1
  const nlp = { multiplier: m, nlpScore: analysis.crisisScore, nlpSeverity: analysis.severity }
  // Stryker disable next-line ConditionalExpression: a shortcut; multiplying by 1 gives the same analysis.
  if (m === 1) return { ...analysis, sensitivity: nlp }
  const crisisScore = Math.min(1, Math.max(0, analysis.crisisScore * m))
  const derived = severityForScore(crisisScore, thresholds)
  // Stryker disable next-line EqualityOperator: m = 1 never gets here.
  const severity = bySeverityRank(analysis.severity, derived, m < 1 ? Math.min : Math.max)
  const { recommendedAction: _, ...rest } = analysis
  const action = severity === analysis.severity ? analysis.recommendedAction : RECOMMENDED_ACTION[severity]
  return {
    ...rest,
    severity,
    crisisScore,
    ...(action === undefined ? {} : { recommendedAction: action }),
    sensitivity: nlp,
  }
}
