import { discordError, matchPattern, type Reply, rateLimitHeaders } from "./httpKit.js"
import type { FaultSpec } from "./types.js"

/** The reply for an injected fault: a 429 with its headers, a 5xx, or a Discord-style 4xx. */
export const faultReply = (fault: FaultSpec, bucket: string | undefined): Reply => {
  if (fault.status === 429) {
    const retryAfter = fault.retryAfter ?? 0.1
    const scope = fault.global === true ? { "x-ratelimit-global": "true", "x-ratelimit-scope": "global" } : {}
    return {
      status: 429,
      body: {
        message: "You are being rate limited.",
        retry_after: retryAfter,
        global: fault.global === true,
        code: 0,
      },
      headers: {
        ...rateLimitHeaders(bucket),
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset-after": String(retryAfter),
        "x-ratelimit-scope": "user",
        ...scope,
        "retry-after": String(retryAfter),
      },
    }
  }
  return discordError(fault.status, fault.code ?? 0, fault.message ?? `${fault.status}: Injected failure`)
}

/** Pending injected faults, consumed in order by matching requests. */
export class FaultQueue {
  private readonly pending: { readonly spec: FaultSpec; remaining: number }[] = []

  add(spec: FaultSpec): void {
    this.pending.push({ spec, remaining: spec.times ?? 1 })
  }

  take(method: string, path: string): FaultSpec | undefined {
    const entry = this.pending.find(
      (f) =>
        (f.spec.method === undefined || f.spec.method.toUpperCase() === method) &&
        (typeof f.spec.route === "string"
          ? matchPattern(f.spec.route, path) !== undefined
          : f.spec.route.test(path)),
    )
    if (entry === undefined) return undefined
    entry.remaining -= 1
    if (entry.remaining <= 0) this.pending.splice(this.pending.indexOf(entry), 1)
    return entry.spec
  }

  /** The injected reply for this request when a pending fault matches it (and is consumed). */
  replyFor(method: string, path: string, bucket: string | undefined): Reply | undefined {
    const fault = this.take(method, path)
    return fault === undefined ? undefined : faultReply(fault, bucket)
  }
}
