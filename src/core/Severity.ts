import { Schema } from "effect"

/** The NLP's severity scale, lowest first. */
export const SEVERITIES = ["safe", "low", "medium", "high", "critical"] as const

export const Severity = Schema.Literal(...SEVERITIES)
export type Severity = typeof Severity.Type

/** Severities that can produce an alert; SAFE and LOW never do. */
export const ALERT_SEVERITIES = ["medium", "high", "critical"] as const
export const AlertSeverity = Schema.Literal(...ALERT_SEVERITIES)
export type AlertSeverity = typeof AlertSeverity.Type

/** Position of a severity on the scale (safe = 0 … critical = 4). */
export const severityRank = (severity: Severity): number => SEVERITIES.indexOf(severity)

/** Whether `severity` is at or above `threshold`. */
export const isAtLeast = (severity: Severity, threshold: Severity): boolean =>
  severityRank(severity) >= severityRank(threshold)

/** Whether `a` is strictly above `b`. */
export const isAbove = (a: Severity, b: Severity): boolean => severityRank(a) > severityRank(b)

export const isAlertSeverity = (severity: Severity): severity is AlertSeverity =>
  (ALERT_SEVERITIES as ReadonlyArray<Severity>).includes(severity)

/** Severities that ping the CRT role(s). MEDIUM never pings. */
export const pingsCrt = (severity: AlertSeverity): boolean => severity === "high" || severity === "critical"
