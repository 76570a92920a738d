import type { AlertId } from "./Alert.js"
import {
  type AlertSeverity,
  isAbove,
  isAlertSeverity,
  isAtLeast,
  pingsCrt,
  type Severity,
  severityRank,
} from "./Severity.js"

// ---------------------------------------------------------------------------------------------
// Dispatch decision (PRODUCT.md §2.5)
// ---------------------------------------------------------------------------------------------

/** The three alert channel lists of Ash-Bot v5, one per alerting severity. */
export type ChannelTier = "monitor" | "crisis" | "critical"

export interface AlertChannels {
  readonly monitor: ReadonlyArray<string>
  readonly crisis: ReadonlyArray<string>
  readonly critical: ReadonlyArray<string>
}

export interface DispatchPolicy {
  readonly enabled: boolean
  /** Anything below `medium` behaves as `medium`: SAFE and LOW never alert. */
  readonly minSeverity: Severity
  readonly cooldownMs: number
  readonly channels: AlertChannels
  readonly crtRoleIds: ReadonlyArray<string>
}

/**
 * The member's cooldown as stored by the shell: the alert that opened it and its severity.
 * Pass null once that alert is closed: a closed alert cannot count repeats, so suppressing a
 * new message in its name would lose it (the shell deletes the entry when the alert closes).
 */
export interface CooldownEntry {
  readonly severity: AlertSeverity
  readonly until: number
  readonly alertId: AlertId
}

export interface DispatchInput {
  /** Severity after the channel-sensitivity adjustment. */
  readonly severity: Severity
  /** The NLP saw an escalating pattern in the member's recent messages. */
  readonly escalation: boolean
  readonly cooldown: CooldownEntry | null
  readonly now: number
}

export type DispatchDecision =
  | {
      readonly _tag: "Alert"
      readonly severity: AlertSeverity
      /** Candidates in order: post to the first that accepts the message, fall back to the next. */
      readonly channels: ReadonlyArray<string>
      /** How many leading `channels` belong to the severity itself; 0 means it fell back. */
      readonly primaryChannelCount: number
      readonly pingRoleIds: ReadonlyArray<string>
      readonly escalation: boolean
      /** The cooldown to store with the posted alert's id once the post succeeded. */
      readonly cooldown: { readonly severity: AlertSeverity; readonly until: number }
    }
  | { readonly _tag: "Skip"; readonly reason: "disabled" | "below_minimum" }
  /** A repeat inside the cooldown: count it on the open alert instead of posting. */
  | { readonly _tag: "Suppress"; readonly openAlertId: AlertId; readonly until: number }
  /** No alert channel is configured at all. Never silent: the shell logs it as an error. */
  | { readonly _tag: "NoChannel"; readonly severity: AlertSeverity; readonly escalation: boolean }

const TIER_OF: Readonly<Record<AlertSeverity, ChannelTier>> = {
  medium: "monitor",
  high: "crisis",
  critical: "critical",
}

/**
 * Fallback order per tier: the tier itself, then lower tiers nearest first, then higher ones.
 * Falling back upward is our addition to Ash-Bot v5 (which drops the alert): a MEDIUM with only
 * a crisis channel configured is posted there rather than lost.
 */
const ROUTE: Readonly<Record<ChannelTier, ReadonlyArray<ChannelTier>>> = {
  monitor: ["monitor", "crisis", "critical"],
  crisis: ["crisis", "monitor", "critical"],
  critical: ["critical", "crisis", "monitor"],
}

const unique = (ids: ReadonlyArray<string>): ReadonlyArray<string> => [...new Set(ids)]

/** Channel candidates for a severity, primary first; each id appears once. */
export const channelCandidates = (
  severity: AlertSeverity,
  channels: AlertChannels,
): { readonly channels: ReadonlyArray<string>; readonly primaryChannelCount: number } => {
  const tier = TIER_OF[severity]
  // ROUTE[tier] starts with `tier`, so the severity's own channels are a prefix of the result.
  return {
    channels: unique(ROUTE[tier].flatMap((t) => channels[t])),
    primaryChannelCount: unique(channels[tier]).length,
  }
}

// Only a snowflake can be rendered as a role mention; anything else could smuggle other text in.
const SNOWFLAKE = /^[0-9]{1,20}$/

/** The CRT roles an alert of this severity pings: all of them for HIGH/CRITICAL, none for MEDIUM. */
export const pingRolesFor = (
  severity: AlertSeverity,
  crtRoleIds: ReadonlyArray<string>,
): ReadonlyArray<string> => (pingsCrt(severity) ? unique(crtRoleIds.filter((id) => SNOWFLAKE.test(id))) : [])

const effectiveMinimum = (min: Severity): Severity => (isAtLeast(min, "medium") ? min : "medium")

const higherOf = (a: AlertSeverity, b: AlertSeverity): AlertSeverity =>
  // Stryker disable next-line EqualityOperator: of two equal severities either is the higher.
  severityRank(b) > severityRank(a) ? b : a

/** Whether and where to alert for one analysed message (pure; the shell posts and stores). */
export const decideDispatch = (policy: DispatchPolicy, input: DispatchInput): DispatchDecision => {
  if (!policy.enabled) return { _tag: "Skip", reason: "disabled" }
  const severity = input.severity
  if (!isAlertSeverity(severity) || !isAtLeast(severity, effectiveMinimum(policy.minSeverity))) {
    return { _tag: "Skip", reason: "below_minimum" }
  }
  // `until` is exclusive: at exactly `until` the cooldown is over.
  const active = input.cooldown !== null && input.now < input.cooldown.until ? input.cooldown : null
  if (active !== null && !input.escalation && !isAbove(severity, active.severity)) {
    return { _tag: "Suppress", openAlertId: active.alertId, until: active.until }
  }
  const route = channelCandidates(severity, policy.channels)
  if (route.channels.length === 0) return { _tag: "NoChannel", severity, escalation: input.escalation }
  return {
    _tag: "Alert",
    severity,
    channels: route.channels,
    primaryChannelCount: route.primaryChannelCount,
    pingRoleIds: pingRolesFor(severity, policy.crtRoleIds),
    escalation: input.escalation,
    // An escalation of lower severity must not lower the bar an open, higher alert has set.
    cooldown: {
      severity: active === null ? severity : higherOf(severity, active.severity),
      until: input.now + Math.max(0, policy.cooldownMs),
    },
  }
}
