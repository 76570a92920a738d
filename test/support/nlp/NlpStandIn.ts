/**
 * A loopback ash-nlp for tests: `POST /analyze` and `GET /health` on 127.0.0.1, validating requests
 * as the real service does (422 otherwise) and answering whatever the test scripts, faults included.
 */
import { randomBytes } from "node:crypto"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import { Either, Option, Schema } from "effect"
import { type Severity, severityRank } from "../../../src/core/Severity.js"

/** 1–10000 code points, as the NLP counts them. */
const Text = Schema.String.pipe(
  Schema.filter((s) => {
    const n = Array.from(s).length
    return (n >= 1 && n <= 10_000) || `must be 1–10000 characters, got ${n}`
  }),
)
const Id = Schema.NullOr(Schema.String.pipe(Schema.maxLength(100)))
const IsoTime = Schema.String.pipe(Schema.filter((s) => !Number.isNaN(Date.parse(s)) || "not an ISO time"))

/** The `/analyze` request as ash-nlp's `AnalyzeRequest` accepts it (extra fields ignored). */
const AnalyzeRequestSchema = Schema.Struct({
  message: Text.pipe(Schema.filter((s) => s.trim() !== "" || "Message cannot be empty or whitespace only")),
  user_id: Schema.optional(Id),
  channel_id: Schema.optional(Id),
  include_explanation: Schema.optional(Schema.Boolean),
  verbosity: Schema.optional(Schema.NullOr(Schema.Literal("minimal", "standard", "detailed"))),
  include_context_analysis: Schema.optional(Schema.Boolean),
  message_history: Schema.optional(
    Schema.NullOr(
      Schema.Array(
        Schema.Struct({
          message: Text,
          timestamp: IsoTime,
          crisis_score: Schema.optional(Schema.NullOr(Schema.Number.pipe(Schema.between(0, 1)))),
          message_id: Schema.optional(Id),
        }),
      ).pipe(Schema.maxItems(20)),
    ),
  ),
})
export type ReceivedAnalyzeRequest = typeof AnalyzeRequestSchema.Type

/** A full `/analyze` reply, as JSON (see `replyFor`). */
export type AnalysisReply = Readonly<Record<string, unknown>>

const FaultSchema = Schema.Union(
  /** Never answer; or, with `afterMs`, answer `reply` (default: safe) that late. */
  Schema.Struct({
    fault: Schema.Literal("timeout"),
    afterMs: Schema.optional(Schema.Number),
    reply: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  }),
  Schema.Struct({
    fault: Schema.Literal("status"),
    status: Schema.Number,
    /** Seconds, or an HTTP date. */
    retryAfter: Schema.optional(Schema.Union(Schema.Number, Schema.String)),
  }),
  /** 200 with a body that is not an analysis: by default, JSON cut short. */
  Schema.Struct({ fault: Schema.Literal("malformed"), body: Schema.optional(Schema.String) }),
)
export type Fault = typeof FaultSchema.Type
export type StandInReply = AnalysisReply | Fault
/** `undefined` answers a safe analysis. */
export type Responder = (request: ReceivedAnalyzeRequest) => StandInReply | undefined

export interface ReceivedRequest {
  readonly method: string
  readonly path: string
  /** The JSON body, or the raw text when it was not JSON, or null when empty. */
  readonly body: unknown
}

export interface NlpStandIn {
  readonly baseUrl: string
  /** Every valid `/analyze` request, in arrival order (those answered 503 while down too). */
  readonly requests: ReadonlyArray<ReceivedAnalyzeRequest>
  /** Everything received (health checks and refused requests too). */
  readonly received: ReadonlyArray<ReceivedRequest>
  readonly respond: (responder: Responder) => void
  /** While down, everything gets a 503. */
  readonly setDown: (down: boolean) => void
  readonly replyFor: (severity: Severity, overrides?: AnalysisReply) => AnalysisReply
  /** Resolves once `count` valid `/analyze` requests have arrived (rejects after 5 s). */
  readonly waitForRequests: (count: number) => Promise<void>
  /** Forget requests, faults and the script. */
  readonly reset: () => void
  readonly stop: () => Promise<void>
}

const PROFILE: Readonly<
  Record<Severity, { score: number; confidence: number; action: string; factors: string[] }>
> = {
  critical: {
    score: 0.92,
    confidence: 0.91,
    action: "immediate_outreach",
    factors: ["suicidal ideation", "hopelessness", "farewell language"],
  },
  high: {
    score: 0.78,
    confidence: 0.86,
    action: "priority_response",
    factors: ["emotional distress", "isolation"],
  },
  medium: { score: 0.58, confidence: 0.74, action: "standard_monitoring", factors: ["negative sentiment"] },
  low: { score: 0.36, confidence: 0.68, action: "passive_monitoring", factors: ["mild frustration"] },
  safe: { score: 0.06, confidence: 0.93, action: "none", factors: [] },
}

/** A realistic ash-nlp reply for `severity`: scores inside that severity's band, factors, action. */
export const replyFor = (severity: Severity, overrides: AnalysisReply = {}): AnalysisReply => {
  const p = PROFILE[severity]
  const crisis = severityRank(severity) >= severityRank("medium")
  return {
    crisis_detected: crisis,
    severity,
    confidence: p.confidence,
    crisis_score: p.score,
    requires_intervention: severityRank(severity) >= severityRank("high"),
    recommended_action: p.action,
    signals: {
      bart: {
        label: crisis ? "emotional distress" : "casual conversation",
        score: p.score,
        crisis_signal: p.score,
      },
      sentiment: { label: crisis ? "negative" : "neutral", score: 0.81, crisis_signal: p.score * 0.9 },
    },
    processing_time_ms: 142.7,
    models_used: ["bart", "sentiment", "irony", "emotions"],
    is_degraded: false,
    request_id: `req_${randomBytes(6).toString("hex")}`,
    timestamp: new Date().toISOString(),
    requires_review: false,
    explanation: {
      verbosity: "standard",
      decision_summary: `${severity.toUpperCase()}: crisis score ${p.score.toFixed(2)}`,
      key_factors: p.factors,
      recommended_action: {
        priority: severity,
        action: p.action,
        escalation: "none",
        rationale: "severity band",
      },
      plain_text: `DECISION SUMMARY:\n${severity.toUpperCase()}`,
    },
    conflict_analysis: null,
    context_analysis: null,
    ...overrides,
  }
}

const decodeRequest = Schema.decodeUnknownEither(AnalyzeRequestSchema)
const decodeFault = Schema.decodeUnknownOption(FaultSchema)

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })

const parse = (text: string): unknown => {
  if (text === "") return null
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  if (res.writableEnded || res.destroyed) return
  res.writeHead(status, { "content-type": "application/json", ...headers })
  res.end(typeof body === "string" ? body : JSON.stringify(body))
}

/** Start a stand-in on a free loopback port. */
export const startNlpStandIn = async (): Promise<NlpStandIn> => {
  const requests: Array<ReceivedAnalyzeRequest> = []
  const received: Array<ReceivedRequest> = []
  const waiters = new Set<() => void>()
  const held = new Set<ServerResponse>()
  let responder: Responder = () => undefined
  let down = false

  const answer = (res: ServerResponse, reply: StandInReply) => {
    const fault = decodeFault(reply)
    if (Option.isNone(fault)) return send(res, 200, reply)
    const f = fault.value
    switch (f.fault) {
      case "status": {
        const headers: Record<string, string> =
          f.retryAfter === undefined ? {} : { "retry-after": String(f.retryAfter) }
        return send(res, f.status, { detail: `stand-in fault ${f.status}` }, headers)
      }
      case "malformed":
        return send(res, 200, f.body ?? '{"severity": "high", "crisis_score": 0.7')
      case "timeout": {
        held.add(res)
        const { afterMs, reply: late } = f
        const timer =
          afterMs === undefined
            ? undefined
            : setTimeout(() => send(res, 200, late ?? replyFor("safe")), afterMs)
        res.on("close", () => {
          clearTimeout(timer)
          held.delete(res)
        })
      }
    }
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://stand-in").pathname
    const body = parse(await readBody(req))
    received.push({ method: req.method ?? "", path, body })
    const isAnalyze = req.method === "POST" && path === "/analyze"
    const request = decodeRequest(body)
    if (isAnalyze && Either.isRight(request)) {
      requests.push(request.right)
      for (const wake of waiters) wake()
    }
    if (down) return send(res, 503, { detail: "Service unavailable" })
    if (req.method === "GET" && path === "/health")
      return send(res, 200, { status: "healthy", ready: true, version: "stand-in", models_loaded: true })
    if (!isAnalyze) return send(res, 404, { detail: "Not Found" })
    if (Either.isLeft(request)) return send(res, 422, { detail: request.left.message })
    answer(res, responder(request.right) ?? replyFor("safe"))
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, { detail: String(error) }))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address()
  const port = typeof address === "object" && address !== null ? address.port : 0

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    received,
    respond: (r) => {
      responder = r
    },
    setDown: (d) => {
      down = d
    },
    replyFor,
    waitForRequests: (count) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (requests.length < count) return
          waiters.delete(check)
          clearTimeout(timer)
          resolve()
        }
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`the NLP stand-in saw ${requests.length} of ${count} requests`))
        }, 5_000)
        waiters.add(check)
        check()
      }),
    reset: () => {
      requests.length = 0
      received.length = 0
      responder = () => undefined
      down = false
      for (const res of held) res.destroy()
    },
    stop: async () => {
      for (const res of held) res.destroy()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
