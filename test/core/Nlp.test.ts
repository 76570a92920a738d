import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, Either, FastCheck as fc, Schema } from "effect"
import {
  analyzeRequestBody,
  applySensitivity,
  DEFAULT_SEVERITY_THRESHOLDS,
  isBlankMessage,
  NLP_MAX_HISTORY,
  NLP_MAX_MESSAGE_CHARS,
  NlpAnalysis,
  type NlpHistoryItem,
  readAnalyzeReply,
  retryAfterMs,
  SeverityThresholds,
  severityForScore,
} from "../../src/core/Nlp.js"
import { severityRank } from "../../src/core/Severity.js"

/** A reply shaped like ash-nlp v5's `AnalyzeResponse`, with fields the bot does not read. */
const realReply = {
  crisis_detected: true,
  severity: "high",
  confidence: 0.87,
  crisis_score: 0.78,
  requires_intervention: true,
  requires_review: true,
  recommended_action: "priority_response",
  signals: { bart: { label: "emotional distress", score: 0.89, crisis_signal: 0.89 } },
  processing_time_ms: 145.32,
  models_used: ["bart", "sentiment", "emotions", "figurative"],
  is_degraded: false,
  request_id: "req_abc123def456",
  timestamp: "2025-12-31T12:00:00Z",
  vigil: { status: "used", risk_score: 0.72, amplification_applied: true },
  explanation: {
    verbosity: "standard",
    decision_summary: "HIGH CONCERN: Crisis indicators detected with 87% confidence.",
    key_factors: ["emotional distress", "negative sentiment"],
    plain_text: "DECISION SUMMARY:\nHIGH CONCERN...",
  },
  context_analysis: {
    escalation_detected: true,
    escalation_rate: "rapid",
    trend: { direction: "worsening", velocity: "rapid", score_delta: 0.66, time_span_hours: 6 },
    history_analyzed: { message_count: 4, time_span_hours: 6 },
  },
}

const minimalReply = { severity: "medium", crisis_score: 0.55, confidence: 0.7, processing_time_ms: 12 }

/** The analysis read from a reply, or the reason it is not a verdict. */
const read = (reply: unknown) => Either.map(readAnalyzeReply(reply), (r) => r.analysis)
const droppedOf = (reply: unknown) => Either.map(readAnalyzeReply(reply), (r) => r.dropped)

/** An analysis in the wire form ash-nlp v5 sends (what the round trip starts from). */
const toWire = (a: NlpAnalysis) => ({
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
})

const minimalAnalysis = {
  severity: "medium",
  crisisScore: 0.55,
  confidence: 0.7,
  keyFactors: [],
  requestId: "unknown",
  processingTimeMs: 12,
  isDegraded: false,
}

describe("NLP reply reading", () => {
  it("reads a full ash-nlp reply into the fields the bot uses, dropping nothing", () => {
    expect(readAnalyzeReply(realReply)).toEqual(
      Either.right({
        analysis: {
          severity: "high",
          crisisScore: 0.78,
          confidence: 0.87,
          recommendedAction: "priority_response",
          keyFactors: ["emotional distress", "negative sentiment"],
          requestId: "req_abc123def456",
          processingTimeMs: 145.32,
          isDegraded: false,
          context: { escalationDetected: true, trend: "worsening", messageCount: 4 },
        },
        dropped: [],
      }),
    )
  })

  it("accepts a reply with only the essential fields, and nulls where the NLP sends none", () => {
    expect(readAnalyzeReply(minimalReply)).toEqual(Either.right({ analysis: minimalAnalysis, dropped: [] }))
    const nulls = {
      ...minimalReply,
      recommended_action: null,
      explanation: null,
      request_id: null,
      context_analysis: null,
      is_degraded: null,
    }
    expect(readAnalyzeReply(nulls)).toEqual(Either.right({ analysis: minimalAnalysis, dropped: [] }))
  })

  it("reads a context block without trend or count as 'no escalation' details", () => {
    const reply = { ...minimalReply, context_analysis: { escalation_detected: false } }
    const decoded = read(reply)
    expect(Either.isRight(decoded) && decoded.right.context).toEqual({ escalationDetected: false })
  })

  // Each variant keeps its verdict; the parts that did not read are named, the rest stands.
  it.each([
    ["no processing time", { ...realReply, processing_time_ms: undefined }, [], { processingTimeMs: null }],
    ["no request id", { ...realReply, request_id: undefined }, [], { requestId: "unknown" }],
    ["no explanation", { ...realReply, explanation: undefined }, [], { keyFactors: [] }],
    [
      "unknown fields everywhere",
      { ...realReply, brand_new: { x: 1 }, context_analysis: { ...realReply.context_analysis, pulse: 3 } },
      [],
      { context: { escalationDetected: true, trend: "worsening", messageCount: 4 } },
    ],
    [
      "the trend as a bare word",
      { ...realReply, context_analysis: { escalation_detected: true, trend: "stable" } },
      [],
      { context: { escalationDetected: true, trend: "stable" } },
    ],
    [
      "the trend as a number",
      { ...realReply, context_analysis: { escalation_detected: true, trend: 0.4 } },
      ["context_analysis.trend"],
      { context: { escalationDetected: true } },
    ],
    [
      "the trend without a direction",
      { ...realReply, context_analysis: { escalation_detected: false, trend: { velocity: "rapid" } } },
      ["context_analysis.trend"],
      { context: { escalationDetected: false } },
    ],
    [
      "the escalation flag as text",
      { ...realReply, context_analysis: { escalation_detected: "yes", trend: { direction: "worsening" } } },
      ["context_analysis.escalation_detected"],
      { context: { escalationDetected: false, trend: "worsening" } },
    ],
    [
      "a negative message count",
      {
        ...realReply,
        context_analysis: { escalation_detected: true, history_analyzed: { message_count: -1 } },
      },
      ["context_analysis.history_analyzed"],
      { context: { escalationDetected: true } },
    ],
    ["the context as a list", { ...realReply, context_analysis: [1, 2] }, ["context_analysis"], {}],
    [
      "key factors that are not strings",
      { ...realReply, explanation: { key_factors: [1, 2] } },
      ["explanation.key_factors"],
      { keyFactors: [] },
    ],
    [
      "the explanation as text",
      { ...realReply, explanation: "distress" },
      ["explanation"],
      { keyFactors: [] },
    ],
    ["a numeric request id", { ...realReply, request_id: 42 }, ["request_id"], { requestId: "unknown" }],
    [
      "a negative processing time and a text degraded flag",
      { ...realReply, processing_time_ms: -3, is_degraded: "no" },
      ["processing_time_ms", "is_degraded"],
      { processingTimeMs: null, isDegraded: false },
    ],
    [
      "an action that is not text",
      { ...realReply, recommended_action: { action: "priority_response" } },
      ["recommended_action"],
      {},
    ],
  ])("keeps the verdict of a reply with %s", (_, reply, dropped, expected) => {
    const reading = readAnalyzeReply(reply)
    expect(Either.map(reading, (r) => r.dropped)).toEqual(Either.right(dropped))
    expect(Either.getOrThrow(reading).analysis).toMatchObject({
      severity: "high",
      crisisScore: 0.78,
      confidence: 0.87,
      ...expected,
    })
  })

  it("leaves out the recommended action it could not read", () => {
    const reading = read({ ...realReply, recommended_action: 7 })
    expect(Either.getOrThrow(reading)).not.toHaveProperty("recommendedAction")
  })

  it.each([
    ["severity in capitals", { ...realReply, severity: "HIGH" }],
    ["missing severity", { ...minimalReply, severity: undefined }],
    ["score above 1", { ...realReply, crisis_score: 1.7 }],
    ["negative confidence", { ...realReply, confidence: -0.1 }],
    ["score as a string", { ...realReply, crisis_score: "0.78" }],
    ["missing confidence", { severity: "high", crisis_score: 0.8, processing_time_ms: 1 }],
    ["an array", [realReply]],
    ["null", null],
    ["a string", "high"],
  ])("refuses a reply with %s: no verdict", (_, reply) => {
    expect(Either.isLeft(readAnalyzeReply(reply))).toBe(true)
  })

  it("says why a reply is no verdict without quoting anything but the field", () => {
    const reading = readAnalyzeReply({ ...realReply, crisis_score: 1.7 })
    expect(Either.flip(reading)).toEqual(Either.right(expect.stringContaining("crisis_score")))
  })

  it.prop("round-trips any analysis through its wire form", [NlpAnalysis], ([analysis]) => {
    expect(readAnalyzeReply(toWire(analysis))).toEqual(Either.right({ analysis, dropped: [] }))
  })
})

const T0 = Date.parse("2026-02-01T12:00:00Z")
const item = (message: string, minutesAgo: number, extra: Partial<NlpHistoryItem> = {}): NlpHistoryItem => ({
  message,
  at: T0 - minutesAgo * 60_000,
  ...extra,
})

describe("the /analyze request body", () => {
  it("asks for a standard explanation and names the member and channel", () => {
    expect(analyzeRequestBody({ message: "I can't do this anymore", userId: "42", channelId: "7" })).toEqual({
      message: "I can't do this anymore",
      include_explanation: true,
      verbosity: "standard",
      user_id: "42",
      channel_id: "7",
    })
    expect(analyzeRequestBody({ message: "hi", userId: "", history: [] })).toEqual({
      message: "hi",
      include_explanation: true,
      verbosity: "standard",
    })
  })

  it("sends history oldest first, whatever order it comes in", () => {
    const history = [
      item("second", 20, { crisisScore: 0.4, messageId: "m2" }),
      item("third", 5),
      item("first", 60),
    ]
    expect(analyzeRequestBody({ message: "now", history }).message_history).toEqual([
      { message: "first", timestamp: "2026-02-01T11:00:00.000Z" },
      { message: "second", timestamp: "2026-02-01T11:40:00.000Z", crisis_score: 0.4, message_id: "m2" },
      { message: "third", timestamp: "2026-02-01T11:55:00.000Z" },
    ])
  })

  it("keeps the newest 20 items and cuts each to 10000 characters without splitting a character", () => {
    const history = Array.from({ length: 30 }, (_, i) => item(`m${i}`, 30 - i))
    const sent = analyzeRequestBody({ message: "now", history }).message_history ?? []
    expect(sent.map((h) => h.message)).toEqual(Array.from({ length: 20 }, (_, i) => `m${i + 10}`))
    const long = "💜".repeat(NLP_MAX_MESSAGE_CHARS + 5)
    const [cut] = analyzeRequestBody({ message: long, history: [item(long, 1)] }).message_history ?? []
    expect(Array.from(cut?.message ?? "")).toEqual(Array.from("💜".repeat(NLP_MAX_MESSAGE_CHARS)))
    expect(Array.from(analyzeRequestBody({ message: long }).message)).toHaveLength(NLP_MAX_MESSAGE_CHARS)
  })

  it("leaves out items the NLP would refuse and clamps their scores", () => {
    const history = [
      item("   ", 3),
      { message: "no time", at: Number.NaN },
      { message: "far future", at: 1e300 },
      item("kept", 2, { crisisScore: 1.4 }),
      item("also kept", 1, { crisisScore: Number.NaN }),
    ]
    expect(analyzeRequestBody({ message: "now", history }).message_history).toEqual([
      { message: "kept", timestamp: "2026-02-01T11:58:00.000Z", crisis_score: 1 },
      { message: "also kept", timestamp: "2026-02-01T11:59:00.000Z" },
    ])
  })

  const historyArb = fc.array(
    fc.record({
      message: fc.oneof(fc.string({ maxLength: 12 }), fc.constant(" "), fc.constant("x".repeat(10_003))),
      at: fc.integer({ min: T0 - 1e9, max: T0 }),
      crisisScore: fc.option(fc.double({ min: -1, max: 2 }), { nil: undefined }),
    }),
    { maxLength: 40, size: "max" },
  )

  it.prop(
    "always sends at most 20 usable items, oldest first, and the newest ones",
    [historyArb],
    ([history]) => {
      const sent = analyzeRequestBody({ message: "now", history }).message_history ?? []
      const usable = history.filter((h) => h.message.trim() !== "")
      expect(sent.length).toBe(Math.min(NLP_MAX_HISTORY, usable.length))
      const times = sent.map((h) => Date.parse(h.timestamp))
      expect(times).toEqual([...times].sort((a, b) => a - b))
      for (const h of sent) {
        expect(h.message.trim()).not.toBe("")
        expect(Array.from(h.message).length).toBeLessThanOrEqual(NLP_MAX_MESSAGE_CHARS)
        if (h.crisis_score !== undefined) expect(h.crisis_score).toBeGreaterThanOrEqual(0)
        if (h.crisis_score !== undefined) expect(h.crisis_score).toBeLessThanOrEqual(1)
      }
      const oldestSent = times[0] ?? Number.POSITIVE_INFINITY
      const dropped = usable.length - sent.length
      const newestDropped = [...usable.map((h) => h.at)].sort((a, b) => a - b)[dropped - 1]
      if (newestDropped !== undefined) expect(newestDropped).toBeLessThanOrEqual(oldestSent)
    },
  )
})

describe("Retry-After", () => {
  const now = Date.parse("Wed, 21 Oct 2026 07:28:00 GMT")
  it.each([
    ["5", 5_000],
    [" 0 ", 0],
    ["1.5", 1_500],
    ["Wed, 21 Oct 2026 07:28:03 GMT", 3_000],
    ["Wed, 21 Oct 2026 07:27:00 GMT", 0],
  ])("reads %j as %d ms", (header, expected) => {
    expect(retryAfterMs(header, now)).toBe(expected)
  })

  it.each([[null], [undefined], [""], ["soon"], ["-3"]])("ignores %j", (header) => {
    expect(retryAfterMs(header, now)).toBeUndefined()
  })
})

const analysisOf = (severity: NlpAnalysis["severity"], crisisScore: number): NlpAnalysis => ({
  severity,
  crisisScore,
  confidence: 0.8,
  recommendedAction: "nlp's own",
  keyFactors: ["k"],
  requestId: "req_000000000001",
  processingTimeMs: 10,
  isDegraded: false,
})

describe("channel sensitivity", () => {
  it.each([
    [0.85, "critical"],
    [0.8499, "high"],
    [0.7, "high"],
    [0.5, "medium"],
    [0.4999, "low"],
    [0.3, "low"],
    [0.2999, "safe"],
    [0, "safe"],
  ] as const)("a score of %d is %s under the NLP's thresholds", (score, severity) => {
    expect(severityForScore(score, DEFAULT_SEVERITY_THRESHOLDS)).toBe(severity)
  })

  it("leaves the NLP's verdict alone at 1 and records it", () => {
    const adjusted = applySensitivity(analysisOf("high", 0.78), 1)
    expect(adjusted).toMatchObject({ severity: "high", crisisScore: 0.78, recommendedAction: "nlp's own" })
    expect(adjusted.sensitivity).toEqual({ multiplier: 1, nlpScore: 0.78, nlpSeverity: "high" })
  })

  it("clamps an amplified score to 1 and re-derives the severity and action", () => {
    const adjusted = applySensitivity(analysisOf("critical", 0.9), 1.5)
    expect(adjusted).toMatchObject({ severity: "critical", crisisScore: 1, recommendedAction: "nlp's own" })
    expect(adjusted.sensitivity).toEqual({ multiplier: 1.5, nlpScore: 0.9, nlpSeverity: "critical" })
    expect(applySensitivity(analysisOf("medium", 0.6), 1.25)).toMatchObject({
      severity: "high",
      crisisScore: 0.75,
      recommendedAction: "priority_response",
    })
    expect(applySensitivity(analysisOf("high", 0.8), 0)).toMatchObject({ severity: "safe", crisisScore: 0 })
  })

  it("never turns the NLP's LOW into MEDIUM by dampening (the v5 threshold-mismatch bug)", () => {
    const adjusted = applySensitivity(analysisOf("low", 0.4), 0.75)
    expect(adjusted.severity).toBe("low")
    expect(adjusted.crisisScore).toBeCloseTo(0.3)
    expect(adjusted.recommendedAction).toBe("nlp's own")
  })

  it("uses the threshold table it is given", () => {
    const strict = { critical: 0.95, high: 0.9, medium: 0.8, low: 0.1 }
    expect(applySensitivity(analysisOf("high", 0.8), 1.1, strict).severity).toBe("high")
    expect(applySensitivity(analysisOf("critical", 0.9), 0.95, strict).severity).toBe("medium")
  })

  it.each([Number.NaN, -1, Number.POSITIVE_INFINITY])("treats a multiplier of %d as 1", (m) => {
    expect(applySensitivity(analysisOf("high", 0.78), m)).toMatchObject({
      severity: "high",
      crisisScore: 0.78,
    })
  })

  it("accepts only threshold tables that rise from low to critical", () => {
    const valid = Schema.decodeUnknownEither(SeverityThresholds)
    expect(Either.isRight(valid(DEFAULT_SEVERITY_THRESHOLDS))).toBe(true)
    expect(Either.isLeft(valid({ critical: 0.5, high: 0.7, medium: 0.5, low: 0.3 }))).toBe(true)
    expect(Either.isLeft(valid({ critical: 1.2, high: 0.7, medium: 0.5, low: 0.3 }))).toBe(true)
  })

  const analysisArb = Arbitrary.make(NlpAnalysis)
  const dampening = fc.double({ min: 0, max: 1, noNaN: true })
  const amplifying = fc.double({ min: 1, max: 2, noNaN: true })

  it.prop("a multiplier ≤ 1 never raises the severity or the score", [analysisArb, dampening], ([a, m]) => {
    const adjusted = applySensitivity(a, m)
    expect(severityRank(adjusted.severity)).toBeLessThanOrEqual(severityRank(a.severity))
    expect(adjusted.crisisScore).toBeLessThanOrEqual(a.crisisScore)
    expect(adjusted.crisisScore).toBeGreaterThanOrEqual(0)
    expect(adjusted.sensitivity).toEqual({ multiplier: m, nlpScore: a.crisisScore, nlpSeverity: a.severity })
  })

  it.prop(
    "a multiplier ≥ 1 never lowers the severity and keeps the score ≤ 1",
    [analysisArb, amplifying],
    ([a, m]) => {
      const adjusted = applySensitivity(a, m)
      expect(severityRank(adjusted.severity)).toBeGreaterThanOrEqual(severityRank(a.severity))
      expect(adjusted.crisisScore).toBeGreaterThanOrEqual(a.crisisScore)
      expect(adjusted.crisisScore).toBeLessThanOrEqual(1)
    },
  )

  it.prop(
    "agrees with the threshold table when the NLP did",
    [fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 2, noNaN: true })],
    ([score, m]) => {
      const nlp = analysisOf(severityForScore(score, DEFAULT_SEVERITY_THRESHOLDS), score)
      const adjusted = applySensitivity(nlp, m)
      expect(adjusted.severity).toBe(severityForScore(adjusted.crisisScore, DEFAULT_SEVERITY_THRESHOLDS))
    },
  )
})

describe("Retry-After, read strictly", () => {
  const now = Date.parse("Wed, 21 Oct 2026 07:28:00 GMT")
  it.each([
    ["5s"],
    ["1."],
    ["1.5.2"],
    ["x5"],
    ["2026-10-21"],
    ["12 Oct 2026 07:28:03 GMT"],
    ["We, 21 Oct 2026"],
  ])("ignores %j", (header) => {
    expect(retryAfterMs(header, now)).toBeUndefined()
  })

  it("reads seconds with any number of digits", () => {
    expect(retryAfterMs("120", now)).toBe(120_000)
    expect(retryAfterMs("0.25", now)).toBe(250)
    expect(retryAfterMs("10.125", now)).toBe(10_125)
  })
})

describe("severity thresholds", () => {
  const decode = Schema.decodeUnknownEither(SeverityThresholds)

  it("accept equal neighbours and refuse any that decrease toward critical", () => {
    expect(Either.isRight(decode({ critical: 0.5, high: 0.5, medium: 0.5, low: 0.5 }))).toBe(true)
    for (const t of [
      { critical: 0.6, high: 0.7, medium: 0.5, low: 0.3 },
      { critical: 0.9, high: 0.4, medium: 0.5, low: 0.3 },
      { critical: 0.9, high: 0.7, medium: 0.2, low: 0.3 },
    ]) {
      const decoded = decode(t)
      expect(Either.isLeft(decoded)).toBe(true)
      if (Either.isLeft(decoded))
        expect(decoded.left.message).toContain("thresholds must not decrease from low to critical")
    }
  })
})

describe("messages the NLP would refuse", () => {
  it("an empty or whitespace-only message is blank; one with any text is not", () => {
    expect(["", "   ", "\n\t"].map(isBlankMessage)).toEqual([true, true, true])
    expect([".", " hi ", "💔"].map(isBlankMessage)).toEqual([false, false, false])
  })
})

describe("the recommended action after a changed severity", () => {
  it.each([
    ["critical", 0.9, 1.2, "immediate_outreach"],
    ["high", 0.8, 1.2, "immediate_outreach"],
    ["medium", 0.6, 1.3, "priority_response"],
    ["high", 0.72, 0.8, "standard_monitoring"],
    ["medium", 0.55, 0.6, "passive_monitoring"],
    ["low", 0.35, 0.5, "none"],
  ] as const)("%s at %d × %d: %s", (severity, score, multiplier, action) => {
    const adjusted = applySensitivity(analysisOf(severity, score), multiplier)
    expect(adjusted.recommendedAction).toBe(severity === adjusted.severity ? "nlp's own" : action)
  })

  it("keeps the NLP's own action, or none, when the severity does not change", () => {
    expect(applySensitivity(analysisOf("high", 0.8), 1.05).recommendedAction).toBe("nlp's own")
    const { recommendedAction: _, ...withoutAction } = analysisOf("high", 0.8)
    expect(applySensitivity(withoutAction, 1.05)).not.toHaveProperty("recommendedAction")
  })
})

describe("the NLP's context of the member's recent messages", () => {
  const base = { severity: "high", crisis_score: 0.8, confidence: 0.9, processing_time_ms: 12 }
  const contextOf = (context: unknown) =>
    Either.getOrThrow(read({ ...base, context_analysis: context })).context

  it("keeps the trend and the message count only when the NLP gave them", () => {
    expect(
      contextOf({
        escalation_detected: true,
        trend: { direction: "worsening" },
        history_analyzed: { message_count: 4 },
      }),
    ).toEqual({ escalationDetected: true, trend: "worsening", messageCount: 4 })
    const bare = contextOf({ trend: null, history_analyzed: null })
    expect(bare).toEqual({ escalationDetected: false })
    expect(bare).not.toHaveProperty("trend")
    expect(bare).not.toHaveProperty("messageCount")
  })

  it("reads escalation whatever shape the rest of the block has", () => {
    expect(contextOf({ escalation_detected: true, trend: [], history_analyzed: "four" })).toEqual({
      escalationDetected: true,
    })
    expect(
      droppedOf({
        ...base,
        context_analysis: { escalation_detected: true, trend: [], history_analyzed: "four" },
      }),
    ).toEqual(Either.right(["context_analysis.trend", "context_analysis.history_analyzed"]))
  })

  it("has no context when the NLP sent none", () => {
    expect(contextOf(undefined)).toBeUndefined()
    expect(contextOf(null)).toBeUndefined()
    expect(contextOf("escalating")).toBeUndefined()
  })
})

describe("the history sent with a message", () => {
  it("keeps the order given for messages of the same time, and the last moment a date can name", () => {
    const body = analyzeRequestBody({
      message: "now",
      history: [
        { message: "b", at: 1_000 },
        { message: "a", at: 1_000 },
        { message: "edge", at: 8.64e15 },
        { message: "beyond", at: 8.64e15 + 1 },
      ],
    })
    expect(body.message_history?.map((h) => h.message)).toEqual(["b", "a", "edge"])
  })
})
