import type { MilestoneData, MilestoneKey } from "./Declaration.js"

/** The event would reach a milestone that is reached already; `reached` says by whom and when. */
export type AlreadyReached<K extends MilestoneKey = MilestoneKey> = {
  readonly [P in K]: {
    readonly _tag: "AlreadyReached"
    readonly milestone: P
    readonly reached: MilestoneData<P>
  }
}[K]

/** Why an event changed nothing. Each names who and when where that applies. */
export type Rejection =
  | AlreadyReached
  /** A contact with the member is under way (asked for by `by` at `at`). */
  | { readonly _tag: "ContactInProgress"; readonly by: string; readonly at: number }
  /** A contact outcome arrived but no contact was asked for. */
  | { readonly _tag: "NoContactPending" }
  /** The member prefers human support: Ash never contacts them. */
  | { readonly _tag: "OptedOut" }
  | { readonly _tag: "AlreadyOptedOut" }
  /** A timer event before its due time (or for a timer that is off: `dueAt` null). */
  | { readonly _tag: "NotDue"; readonly dueAt: number | null }
  | { readonly _tag: "AlreadyRenotified" }
  /** A raise to a severity the alert already has, or a lower one. */
  | { readonly _tag: "NotHigher"; readonly severity: string }
  /** A timer's purpose was met by a milestone in the meantime. */
  | { readonly _tag: "NotNeeded"; readonly because: MilestoneKey }
  /** An event no declaration handles (only possible with forged input). */
  | { readonly _tag: "UnknownEvent"; readonly event: string }

/** The rejection of an event that would reach `milestone` again. */
export const alreadyReached = <K extends MilestoneKey>(
  milestone: K,
  reached: MilestoneData<K>,
): AlreadyReached<K> => ({ _tag: "AlreadyReached", milestone, reached })
