/** Redis key names (before the optional test prefix). The seeds' names are kept for what they name. */
export const Keys = {
  alert: (alertId: string) => `ash:metrics:alert:${alertId}`,
  alertLookup: (alertMessageId: string) => `ash:metrics:alert_lookup:${alertMessageId}`,
  daily: (day: string) => `ash:metrics:daily:${day}`,
  /**
   * The day's per-hour histograms (of the clocks kept by hour): apart from the day's counters,
   * so that the report's numbers read a hash whose size does not grow with the alerts.
   */
  dailyHours: (day: string) => `ash:metrics:daily_hours:${day}`,
  /** The alerts created on a day, by creation time (for exports). */
  dayAlerts: (day: string) => `ash:metrics:day_alerts:${day}`,
  /** Set once every alert recorded before the day index existed has been added to it. */
  dayAlertsBuilt: "ash:metrics:day_alerts_built",
  /** What `SCAN` matches to find every alert record. */
  alertPattern: "ash:metrics:alert:*",
  intake: (day: string) => `ash:metrics:intake:${day}`,
  timers: "ash:timers",
  cooldown: (guildId: string, memberId: string) => `ash:cooldown:${guildId}:${memberId}`,
  history: (guildId: string, memberId: string) => `ash:history:${guildId}:${memberId}`,
  optOut: (guildId: string, memberId: string) => `ash:optout:${guildId}:${memberId}`,
  /** The member's open alert and the channel it came from, for first-response detection. */
  openAlert: (guildId: string, memberId: string) => `ash:member:open_alert:${guildId}:${memberId}`,
  /** The alert a private support thread was opened for. */
  supportThread: (threadId: string) => `ash:support_thread:${threadId}`,
  /** The conversation relay between a member's DMs and the staff thread on their alert. */
  relay: {
    /** The member's open relay. */
    member: (memberId: string) => `ash:relay:member:${memberId}`,
    /** The relay a staff thread belongs to (kept, marked closed, after the relay closes). */
    thread: (threadId: string) => `ash:relay:thread:${threadId}`,
    /** Set when the member first wrote on the alert's relay. */
    memberWrote: (alertId: string) => `ash:relay:member_wrote:${alertId}`,
    /** Set when a CRT member's message first reached the member on the alert's relay. */
    answered: (alertId: string) => `ash:relay:answered:${alertId}`,
    /** A message one process has taken to relay. */
    claim: (messageId: string) => `ash:relay:claim:${messageId}`,
  },
  /** The weekly report of an ISO week (`YYYY-Www`): being posted, or posted. */
  weeklyReport: (week: string) => `ash:report:weekly:${week}`,
  /** Alerts written before they are posted, until they are on record. */
  pendingAlerts: {
    records: "ash:alert_pending:records",
    claims: "ash:alert_pending:claims",
  },
  /** Messages kept while the NLP cannot analyse them, and the state of the outage. */
  nlpBuffer: {
    order: "ash:nlp_buffer:order",
    messages: "ash:nlp_buffer:messages",
    lost: "ash:nlp_buffer:lost",
    lease: "ash:nlp_buffer:lease",
    answering: "ash:nlp_buffer:answering",
    done: "ash:nlp_buffer:done",
    announced: "ash:nlp_outage:announced",
    noticed: "ash:nlp_outage:noticed",
    restoredAt: "ash:nlp_outage:restored_at",
  },
} as const

/** How long records live. Refreshed on every write. */
export interface Retention {
  readonly alertMs: number
  readonly dailyMs: number
}

const DAY_MS = 86_400_000

export const defaultRetention: Retention = { alertMs: 90 * DAY_MS, dailyMs: 365 * DAY_MS }
