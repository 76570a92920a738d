import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck } from "effect"
import type { Alert } from "../../src/core/Alert.js"
import { buttonsFor } from "../../src/core/AlertEmbed.js"
import {
  type CooldownEntry,
  type DispatchInput,
  type DispatchPolicy,
  decideDispatch,
  pingRolesFor,
} from "../../src/core/Dispatch.js"
import { type LifecycleEvent, transition } from "../../src/core/Lifecycle.js"
import { SEVERITIES, type Severity } from "../../src/core/Severity.js"
import { alertId, created, T0 } from "../support/alerts.js"

const policy: DispatchPolicy = {
  enabled: true,
  minSeverity: "medium",
  cooldownMs: 300_000,
  channels: { monitor: ["11"], crisis: ["22"], critical: ["33"] },
  crtRoleIds: ["900", "901"],
}

const input = (severity: Severity, overrides: Partial<DispatchInput> = {}): DispatchInput => ({
  severity,
  escalation: false,
  cooldown: null,
  now: T0,
  ...overrides,
})

const cooldown = (overrides: Partial<CooldownEntry> = {}): CooldownEntry => ({
  severity: "medium",
  until: T0 + 60_000,
  alertId: alertId(7),
  ...overrides,
})

const labels = (alert: Alert): ReadonlyArray<string> => buttonsFor(alert).map((b) => b.label)

const apply = (alert: Alert, ...events: ReadonlyArray<LifecycleEvent>): Alert =>
  events.reduce((a, event, i) => {
    const result = transition(a, event, T0 + (i + 1) * 1_000)
    if (Either.isLeft(result)) throw new Error(`rejected ${event._tag}: ${result.left._tag}`)
    return result.right.alert
  }, alert)

describe("decideDispatch: the seeds' behaviour matrix", () => {
  const matrix = [
    { severity: "safe", alert: false, channel: null, ping: false, buttons: [] },
    { severity: "low", alert: false, channel: null, ping: false, buttons: [] },
    { severity: "medium", alert: true, channel: "11", ping: false, buttons: ["Acknowledge"] },
    { severity: "high", alert: true, channel: "22", ping: true, buttons: ["Talk to Ash", "Acknowledge"] },
    { severity: "critical", alert: true, channel: "33", ping: true, buttons: ["Talk to Ash", "Acknowledge"] },
  ] as const

  for (const row of matrix) {
    it(`${row.severity}: alert=${row.alert} channel=${row.channel} ping=${row.ping}`, () => {
      const decision = decideDispatch(policy, input(row.severity))
      if (!row.alert) {
        expect(decision).toEqual({ _tag: "Skip", reason: "below_minimum" })
        return
      }
      expect(decision._tag).toBe("Alert")
      if (decision._tag !== "Alert") return
      expect(decision.channels[0]).toBe(row.channel)
      expect(decision.primaryChannelCount).toBe(1)
      expect(decision.pingRoleIds).toEqual(row.ping ? ["900", "901"] : [])
      expect(decision.cooldown).toEqual({ severity: row.severity, until: T0 + 300_000 })
      expect(labels(created({ severity: row.severity }))).toEqual(row.buttons)
    })
  }

  it("respects a higher minimum severity", () => {
    const high = { ...policy, minSeverity: "high" as const }
    expect(decideDispatch(high, input("medium"))).toEqual({ _tag: "Skip", reason: "below_minimum" })
    expect(decideDispatch(high, input("high"))._tag).toBe("Alert")
  })

  it("treats a minimum below medium as medium: SAFE and LOW never alert", () => {
    const low = { ...policy, minSeverity: "safe" as const }
    expect(decideDispatch(low, input("low"))._tag).toBe("Skip")
    expect(decideDispatch(low, input("safe"))._tag).toBe("Skip")
    expect(decideDispatch(low, input("medium"))._tag).toBe("Alert")
  })

  it("skips everything when alerting is disabled", () => {
    expect(decideDispatch({ ...policy, enabled: false }, input("critical"))).toEqual({
      _tag: "Skip",
      reason: "disabled",
    })
  })
})

describe("decideDispatch: cooldown", () => {
  it("suppresses the same severity inside the window and names the open alert", () => {
    expect(decideDispatch(policy, input("medium", { cooldown: cooldown() }))).toEqual({
      _tag: "Suppress",
      openAlertId: alertId(7),
      until: T0 + 60_000,
    })
  })

  it("suppresses a lower severity", () => {
    const decision = decideDispatch(policy, input("medium", { cooldown: cooldown({ severity: "critical" }) }))
    expect(decision._tag).toBe("Suppress")
  })

  it("lets a strictly higher severity break through", () => {
    const decision = decideDispatch(policy, input("critical", { cooldown: cooldown({ severity: "medium" }) }))
    expect(decision._tag).toBe("Alert")
    if (decision._tag === "Alert") expect(decision.cooldown.severity).toBe("critical")
  })

  it("alerts again once the window is over (the end is exclusive)", () => {
    const entry = cooldown({ severity: "high" })
    expect(decideDispatch(policy, input("high", { cooldown: entry, now: entry.until - 1 }))._tag).toBe(
      "Suppress",
    )
    expect(decideDispatch(policy, input("high", { cooldown: entry, now: entry.until }))._tag).toBe("Alert")
  })

  it("bypasses the cooldown for an escalation, without lowering the open alert's bar", () => {
    const decision = decideDispatch(
      policy,
      input("medium", { escalation: true, cooldown: cooldown({ severity: "critical" }) }),
    )
    expect(decision).toMatchObject({
      _tag: "Alert",
      escalation: true,
      pingRoleIds: [],
      cooldown: { severity: "critical", until: T0 + 300_000 },
    })
  })

  it("pings for an escalated HIGH", () => {
    const decision = decideDispatch(policy, input("high", { escalation: true, cooldown: cooldown() }))
    expect(decision).toMatchObject({ _tag: "Alert", escalation: true, pingRoleIds: ["900", "901"] })
  })
})

describe("decideDispatch: routing fallbacks", () => {
  const channels = (monitor: string[], crisis: string[], critical: string[]) => ({
    ...policy,
    channels: { monitor, crisis, critical },
  })

  it("offers every channel of the severity first, then falls back downward", () => {
    const decision = decideDispatch(channels(["1"], ["2", "3"], ["4", "5"]), input("critical"))
    expect(decision).toMatchObject({ channels: ["4", "5", "2", "3", "1"], primaryChannelCount: 2 })
  })

  it("routes a CRITICAL without a critical channel to crisis, then monitor", () => {
    const decision = decideDispatch(channels(["1"], ["2"], []), input("critical"))
    expect(decision).toMatchObject({ channels: ["2", "1"], primaryChannelCount: 0 })
  })

  it("routes a HIGH without a crisis channel to monitor, and still pings", () => {
    const decision = decideDispatch(channels(["1"], [], ["4"]), input("high"))
    expect(decision).toMatchObject({
      channels: ["1", "4"],
      primaryChannelCount: 0,
      pingRoleIds: ["900", "901"],
    })
  })

  it("falls back upward when nothing lower is configured: a MEDIUM is not lost", () => {
    const decision = decideDispatch(channels([], ["2"], []), input("medium"))
    expect(decision).toMatchObject({ channels: ["2"], primaryChannelCount: 0, pingRoleIds: [] })
  })

  it("lists a channel configured under two severities once", () => {
    const decision = decideDispatch(channels(["1"], ["1", "2"], []), input("high"))
    expect(decision).toMatchObject({ channels: ["1", "2"], primaryChannelCount: 2 })
  })

  it("reports NoChannel when no alert channel is configured anywhere", () => {
    expect(decideDispatch(channels([], [], []), input("critical"))).toEqual({
      _tag: "NoChannel",
      severity: "critical",
      escalation: false,
    })
  })
})

describe("decideDispatch: properties", () => {
  const ids = FastCheck.array(FastCheck.stringMatching(/^[0-9]{1,20}$/), { maxLength: 3 })
  const severity = FastCheck.constantFrom(...SEVERITIES)
  const policyArb = FastCheck.record({
    enabled: FastCheck.boolean(),
    minSeverity: severity,
    cooldownMs: FastCheck.integer({ min: 0, max: 3_600_000 }),
    channels: FastCheck.record({ monitor: ids, crisis: ids, critical: ids }),
    crtRoleIds: ids,
  })
  const cooldownArb = FastCheck.option(
    FastCheck.record({
      severity: FastCheck.constantFrom("medium" as const, "high" as const, "critical" as const),
      until: FastCheck.integer({ min: T0 - 600_000, max: T0 + 600_000 }),
      alertId: FastCheck.nat().map(alertId),
    }),
  )

  it.prop(
    "never pings for MEDIUM, never invents a channel, never alerts below medium",
    [policyArb, severity, FastCheck.boolean(), cooldownArb],
    ([p, s, escalation, entry]) => {
      const decision = decideDispatch(p, { severity: s, escalation, cooldown: entry, now: T0 })
      if (decision._tag !== "Alert") return
      expect(["medium", "high", "critical"]).toContain(decision.severity)
      if (decision.severity === "medium") expect(decision.pingRoleIds).toEqual([])
      else expect(new Set(decision.pingRoleIds)).toEqual(new Set(p.crtRoleIds))
      const configured = [...p.channels.monitor, ...p.channels.crisis, ...p.channels.critical]
      expect(decision.channels.length).toBeGreaterThan(0)
      for (const id of decision.channels) expect(configured).toContain(id)
      expect(new Set(decision.channels).size).toBe(decision.channels.length)
      expect(new Set(decision.channels)).toEqual(new Set(configured))
    },
  )

  it.prop(
    "a strictly higher severity or an escalation always gets through an active cooldown",
    [policyArb, severity, FastCheck.boolean(), cooldownArb],
    ([p, s, escalation, entry]) => {
      const decision = decideDispatch(
        { ...p, enabled: true },
        { severity: s, escalation, cooldown: entry, now: T0 },
      )
      if (decision._tag !== "Suppress") return
      expect(escalation).toBe(false)
      expect(entry).not.toBeNull()
      if (entry === null) return
      expect(T0).toBeLessThan(entry.until)
      expect(SEVERITIES.indexOf(s)).toBeLessThanOrEqual(SEVERITIES.indexOf(entry.severity))
    },
  )
})

describe("buttonsFor", () => {
  const ack: LifecycleEvent = { _tag: "Acknowledge", by: "501" }
  const talk: LifecycleEvent = { _tag: "RequestAshContact", by: "502" }
  const made: LifecycleEvent = { _tag: "AshContactMade", via: "dm", threadId: null }
  const responded: LifecycleEvent = { _tag: "FirstResponse", by: "503", detection: "self_reported" }

  it("after acknowledge: Talk to Ash, I reached out, Resolve", () => {
    expect(labels(apply(created(), ack))).toEqual(["Talk to Ash", "I reached out", "Resolve"])
  })

  it("after acknowledge of a MEDIUM, a person has judged it: Talk to Ash is offered", () => {
    expect(labels(apply(created({ severity: "medium" }), ack))).toEqual([
      "Talk to Ash",
      "I reached out",
      "Resolve",
    ])
  })

  it("after Ash contact without acknowledge: Acknowledge, I reached out, Resolve", () => {
    expect(labels(apply(created(), talk, made))).toEqual(["Acknowledge", "I reached out", "Resolve"])
  })

  it("after acknowledge and Ash contact: I reached out, Resolve", () => {
    expect(labels(apply(created(), ack, talk, made))).toEqual(["I reached out", "Resolve"])
  })

  it("after a response: Resolve, and Acknowledge while nobody has acknowledged", () => {
    expect(labels(apply(created(), ack, responded))).toEqual(["Resolve"])
    expect(labels(apply(created(), responded))).toEqual(["Acknowledge", "Resolve"])
  })

  it("closed: no buttons", () => {
    expect(labels(apply(created(), ack, { _tag: "Resolve", by: "501" }))).toEqual([])
  })

  it("never offers Talk to Ash for a member who opted out", () => {
    expect(labels(created({ optedOut: true }))).toEqual(["Acknowledge"])
    expect(labels(apply(created({ optedOut: true }), ack))).toEqual(["I reached out", "Resolve"])
  })

  it("keeps the seeds' styles: Talk to Ash blurple and first, Acknowledge green", () => {
    const shown = buttonsFor(created()).map(({ action, label, style, emoji }) => ({
      action,
      label,
      style,
      emoji,
    }))
    expect(shown).toEqual([
      { action: "talk", label: "Talk to Ash", style: "primary", emoji: "💬" },
      { action: "ack", label: "Acknowledge", style: "success", emoji: "✅" },
    ])
  })
})

describe("CRT role pings", () => {
  it("renders only whole snowflakes: a role id carrying other text is never pinged", () => {
    expect(pingRolesFor("high", ["12@here", "@here12", "x12", "12 ", "12\n", "123"])).toEqual(["123"])
    expect(pingRolesFor("critical", ["900", "900"])).toEqual(["900"])
    expect(pingRolesFor("medium", ["900"])).toEqual([])
  })
})
