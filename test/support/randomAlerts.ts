import { calendarOf } from "../../src/core/Calendar.js"
import type { LifecycleEvent } from "../../src/core/Lifecycle.js"
import type { AlertSeverity } from "../../src/core/Severity.js"
import { alertId, newAlert, T0 } from "./alerts.js"

/** A small deterministic PRNG, so a failing run can be replayed from its seed. */
export const prng = (seed: number) => {
  let s = seed >>> 0
  return (): number => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

const SEVERITIES: ReadonlyArray<AlertSeverity> = ["medium", "high", "critical"]
const RESPONDERS = ["crt-1", "crt-2", "crt-3", "crt-4"]

/** `n` alerts spread over `spreadDays` days, with plausible ids. */
export const randomNewAlerts = (n: number, random: () => number, offset = 0, spreadDays = 4) =>
  Array.from({ length: n }, (_, i) => {
    const createdAt = T0 + Math.floor(random() * spreadDays * 86_400_000)
    const { day, hour } = calendarOf(createdAt, "UTC")
    return newAlert({
      id: alertId(offset + i + 1),
      severity: SEVERITIES[Math.floor(random() * SEVERITIES.length)] ?? "high",
      createdAt,
      messageAt: createdAt - Math.floor(random() * 3_000),
      day,
      hour,
      origin: {
        guildId: "100",
        memberId: String(1_000 + i),
        sourceChannelId: "300",
        sourceMessageId: String(10_000 + offset + i),
        alertChannelId: "500",
        alertMessageId: String(20_000 + offset + i),
      },
    })
  })

/** A random CRT-side event. Many will be refused by the lifecycle; that is part of the test. */
export const randomEvent = (random: () => number): LifecycleEvent => {
  const by = RESPONDERS[Math.floor(random() * RESPONDERS.length)] ?? "crt-1"
  const events: ReadonlyArray<LifecycleEvent> = [
    { _tag: "Acknowledge", by },
    { _tag: "RequestAshContact", by },
    { _tag: "AshContactMade", via: "dm", threadId: null },
    { _tag: "AshContactFailed", reason: "dms closed" },
    { _tag: "FirstResponse", by, detection: "thread_message" },
    { _tag: "Resolve", by },
    { _tag: "MemberOptedOut" },
    { _tag: "RepeatSuppressed" },
  ]
  return events[Math.floor(random() * events.length)] ?? { _tag: "Acknowledge", by }
}
