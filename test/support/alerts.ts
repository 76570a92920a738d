import { Schema } from "effect"
import { AlertId } from "../../src/core/Alert.js"
import { createAlert, type LifecyclePolicy, type NewAlert } from "../../src/core/Lifecycle.js"
import type { PendingAlert } from "../../src/core/PendingAlert.js"
import type { AlertSeverity } from "../../src/core/Severity.js"

export const T0 = 1_760_000_000_000

export const policy: LifecyclePolicy = {
  autoContactDelayMs: { medium: null, high: 180_000, critical: 120_000 },
  renotifyAfterMs: 600_000,
  expireAfterMs: 24 * 3_600_000,
}

export const alertId = (n: number): AlertId =>
  Schema.decodeSync(AlertId)(`alert_${n.toString(16).padStart(12, "0")}`)

/** A new alert's input with plausible ids; override what a test cares about. */
export const newAlert = (overrides: Partial<NewAlert> = {}): NewAlert => ({
  id: alertId(1),
  origin: {
    guildId: "100",
    memberId: "200",
    sourceChannelId: "300",
    sourceMessageId: "400",
    alertChannelId: "500",
    alertMessageId: "600",
  },
  severity: "high" satisfies AlertSeverity,
  escalated: false,
  channelSensitivity: 1,
  crisisScore: 0.8,
  messageAt: T0 - 250,
  createdAt: T0,
  day: "2025-10-09",
  hour: 8,
  optedOut: false,
  ...overrides,
})

export const created = (overrides: Partial<NewAlert> = {}) => createAlert(newAlert(overrides), policy).alert

/** An alert written before its post: to `channels`, not posted yet. */
export const pendingAlert = (
  overrides: Partial<NewAlert> = {},
  channels: ReadonlyArray<string> = ["500", "501"],
): PendingAlert => ({
  alert: newAlert({
    ...overrides,
    origin: { ...newAlert().origin, alertMessageId: "0", ...overrides.origin },
  }),
  message: {
    analysis: {
      confidence: 0.9,
      keyFactors: [],
      requestId: "req_0123456789ab",
      processingTimeMs: 120,
      recommendedAction: "priority_response",
    },
    member: { displayName: "River" },
    text: "I don't want to be here anymore",
    crtRoleIds: ["800"],
  },
  channels,
  posted: null,
})
