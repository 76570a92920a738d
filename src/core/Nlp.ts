/**
 * The NLP contract as the bot uses it (reference §2): the `/analyze` reply decoded into
 * `NlpAnalysis`, the request body, and the channel-sensitivity adjustment of PRODUCT.md §2.3.
 * Pure: time arrives as a parameter.
 */
import { Schema } from "effect"
import { SEVERITIES, type Severity, Severity as SeveritySchema, severityRank } from "./Severity.js"

const Score = Schema.Number.pipe(Schema.between(0, 1))
const NonNegative = Schema.Number.pipe(Schema.nonNegative())
const Count = Schema.Number.pipe(Schema.int(), Schema.nonNegative())
const maybe = <S extends Schema.Schema.Any>(schema: S) => Schema.optional(Schema.NullOr(schema))

/** What the NLP found in the member's recent messages; present when it analysed a history. */
export const NlpContext = Schema.Struct({
  escalationDetected: Schema.Boolean,
  trend: Schema.optionalWith(Schema.String, { exact: true }),
  messageCount: Schema.optionalWith(Count, { exact: true }),
})
export type NlpContext = typeof NlpContext.Type

/** One NLP verdict on one message, as the bot uses it. */
export const NlpAnalysis = Schema.Struct({
  severity: SeveritySchema,
  crisisScore: Score,
  confidence: Score,
  recommendedAction: Schema.optionalWith(Schema.String, { exact: true }),
  keyFactors: Schema.Array(Schema.String),
  /** `"unknown"` when the NLP sent none (it normally sends `req_<12 hex>`). */
  requestId: Schema.String,
  processingTimeMs: NonNegative,
  /** The NLP ran with some of its models missing. */
  isDegraded: Schema.Boolean,
  context: Schema.optionalWith(NlpContext, { exact: true }),
})
export type NlpAnalysis = typeof NlpAnalysis.Type

/**
 * The `/analyze` reply on the wire. Only what the bot reads is checked; other fields are ignored.
 * Severity, both scores and the processing time are required: guessing them could hide a crisis.
 */
const AnalyzeResponseWire = Schema.Struct({
  severity: SeveritySchema,
  crisis_score: Score,
  confidence: Score,
  recommended_action: maybe(Schema.String),
  explanation: maybe(Schema.Struct({ key_factors: maybe(Schema.Array(Schema.String)) })),
  request_id: maybe(Schema.String),
  processing_time_ms: NonNegative,
  is_degraded: Schema.optional(Schema.Boolean),
  context_analysis: maybe(
    Schema.Struct({
      escalation_detected: Schema.optional(Schema.Boolean),
      trend: maybe(Schema.Struct({ direction: maybe(Schema.String) })),
      history_analyzed: maybe(Schema.Struct({ message_count: maybe(Count) })),
    }),
  ),
})
type AnalyzeResponseWire = typeof AnalyzeResponseWire.Type

const contextOf = (wire: AnalyzeResponseWire["context_analysis"]): NlpContext | undefined => {
  if (wire === undefined || wire === null) return undefined
  const trend = wire.trend?.direction
  const messageCount = wire.history_analyzed?.message_count
  return {
    escalationDetected: wire.escalation_detected ?? false,
    ...(typeof trend === "string" ? { trend } : {}),
    ...(typeof messageCount === "number" ? { messageCount } : {}),
  }
}

/** The `/analyze` reply (JSON value) ⇄ `NlpAnalysis`. */
export const AnalyzeResponse = Schema.transform(AnalyzeResponseWire, Schema.typeSchema(NlpAnalysis), {
  strict: true,
  decode: (w): NlpAnalysis => {
    const context = contextOf(w.context_analysis)
    return {
      severity: w.severity,
      crisisScore: w.crisis_score,
      confidence: w.confidence,
      ...(typeof w.recommended_action === "string" ? { recommendedAction: w.recommended_action } : {}),
      keyFactors: w.explanation?.key_factors ?? [],
      requestId: w.request_id ?? "unknown",
      processingTimeMs: w.processing_time_ms,
      isDegraded: w.is_degraded ?? false,
      ...(context === undefined ? {} : { context }),
    }
  },
  encode: (a): AnalyzeResponseWire => ({
    severity: a.severity,
    crisis_score: a.crisisScore,
    confidence: a.confidence,
    recommended_action: a.recommendedAction ?? null,
    explanation: { key_factors: a.keyFactors },
    request_id: a.requestId,
    processing_time_ms: a.processingTimeMs,
    is_degraded: a.isDegraded,
    context_analysis:
      a.context === undefined
        ? null
        : {
            escalation_detected: a.context.escalationDetected,
            trend: a.context.trend === undefined ? null : { direction: a.context.trend },
            history_analyzed:
              a.context.messageCount === undefined ? null : { message_count: a.context.messageCount },
          },
  }),
})

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
  // Stryker disable next-line EqualityOperator: at exactly `max` units both ways give the same text.
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
    .map((h, index) => ({ h, index }))
    .sort((a, b) => a.h.at - b.h.at || a.index - b.index)
    .slice(-NLP_MAX_HISTORY)
    .map(({ h }) => historyItemBody(h))
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
