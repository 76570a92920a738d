/**
 * The vocabulary a milestone is declared in. A declaration says, in one place, everything the
 * product does with a milestone: the events that reach it and their guards, the effects, the
 * daily counters and the clock it adds to the metrics, the status line on the alert, its button,
 * and the reply a CRT member gets when it was reached already. `Milestones.ts` lists the
 * declarations; the lifecycle, the metrics, the embed, the buttons and the replies are derived
 * from that list.
 */
import { Either, Schema } from "effect"
import type { Alert } from "../Alert.js"
import { formatDuration } from "../Duration.js"
import { escapeInline } from "../Markdown.js"
import type { LifecycleEffect } from "./Effects.js"
import { alreadyReached, type Rejection } from "./Rejections.js"

/** Milliseconds since the epoch, or a duration in milliseconds: whole and never negative. */
export const EpochMs = Schema.Number.pipe(Schema.int(), Schema.nonNegative())

/**
 * A milestone reached once: when, by whom, and how long after the alert was posted. `skewed`
 * marks an event stamped before creation (clocks of two processes disagreeing); its elapsed time
 * is then 0, never negative.
 */
export const Reached = Schema.Struct({
  at: EpochMs,
  by: Schema.String,
  elapsedMs: EpochMs,
  skewed: Schema.Boolean,
})
export type Reached = typeof Reached.Type

export type MilestoneKey = keyof Alert["milestones"]
/** What an alert records of a reached milestone. */
export type MilestoneData<K extends MilestoneKey> = NonNullable<Alert["milestones"][K]>

/** The parts of an alert an event may change; its identity, origin and creation are fixed. */
export type AlertChanges = Partial<
  Pick<
    Alert,
    | "milestones"
    | "contactRequest"
    | "contactFailures"
    | "optedOut"
    | "renotified"
    | "suppressedRepeats"
    | "severity"
    | "raisedFrom"
  >
>

/** What an accepted event does: the changes to the alert and the effects for the shell. */
export interface Step {
  readonly changes: AlertChanges
  readonly effects: ReadonlyArray<LifecycleEffect>
}

export type Decision = Either.Either<Step, Rejection>

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

/** An event: its fields (a Schema, so tests can generate it) and the decision it leads to. */
export interface EventDeclaration<F extends Schema.Struct.Fields> {
  readonly fields: F
  // A method, so that declarations with different fields fit one table of handlers.
  decide(alert: Alert, event: Schema.Struct.Type<F>, now: number): Decision
}

export type EventDeclarations = { readonly [tag: string]: EventDeclaration<Schema.Struct.Fields> }

/** Declares an event with its fields and its decision. */
export const event = <F extends Schema.Struct.Fields>(
  fields: F,
  decide: (alert: Alert, event: Schema.Struct.Type<F>, now: number) => Decision,
): EventDeclaration<F> => ({ fields, decide })

/** The events of a declaration's `events` table, each tagged with its name. */
export type EventsOf<E> = {
  [T in keyof E & string]: E[T] extends EventDeclaration<infer F>
    ? { readonly _tag: T } & Schema.Struct.Type<F>
    : never
}[keyof E & string]

// ---------------------------------------------------------------------------------------------
// Buttons, status, metrics
// ---------------------------------------------------------------------------------------------

export type ButtonStyle = "primary" | "secondary" | "success" | "danger"

/** A button on the alert message, and the event a press by a CRT member stands for. */
export interface ButtonDeclaration<A extends string, Ev> {
  /** The action segment of the button's custom_id (`ash:v1:<action>:<alert id>`). */
  readonly action: A
  readonly label: string
  readonly style: ButtonStyle
  readonly emoji: string
  /** Place among the alert's buttons, left to right. */
  readonly position: number
  /** Whether the alert shows the button in its current (open) state. */
  readonly offered: (alert: Alert) => boolean
  readonly press: (by: string) => Ev
}

/** A daily counter: the alert counts once in the day's `field` while `counts` holds for it. */
export interface CounterDeclaration<C extends string> {
  readonly name: C
  /** The field of the daily Redis hash (the seeds' names where they have one). */
  readonly field: string
  readonly counts: (alert: Alert) => boolean
}

/** A measured duration: count, sum, min, max and a histogram per day, reported with `label`. */
export interface ClockDeclaration<N extends string> {
  readonly name: N
  readonly label: string
  /** The report's one-line definition: from what to what. */
  readonly definition: string
  /** The alert's sample, or null while it has none. */
  readonly sampleMs: (alert: Alert) => number | null
  /**
   * Also kept per hour of day the alert was created in (a histogram per hour), so that reports
   * can show when in the day this clock runs slow: where the team's coverage is thin.
   */
  readonly byHour: boolean
}

/** Per-responder recognition: the CRT member `who` is credited once in `role`. */
export interface ResponderDeclaration<R extends string> {
  readonly role: R
  /** How the report names one and several of them ("first response", "first responses"). */
  readonly noun: { readonly one: string; readonly many: string }
  /** Daily hash field prefix; the member id follows it. */
  readonly fieldPrefix: string
  readonly who: (alert: Alert) => string | null
}

export interface MetricsDeclaration<C extends string, N extends string, R extends string> {
  readonly counters: ReadonlyArray<CounterDeclaration<C>>
  readonly clock: ClockDeclaration<N> | null
  readonly responder: ResponderDeclaration<R> | null
}

// ---------------------------------------------------------------------------------------------
// Declarations
// ---------------------------------------------------------------------------------------------

/** Everything that is not a milestone of its own but changes an alert or its metrics. */
export interface AspectDeclaration<
  E extends EventDeclarations,
  A extends string,
  C extends string,
  N extends string,
  R extends string,
> {
  readonly events: E
  readonly button: ButtonDeclaration<A, EventsOf<E>> | null
  /** Lines for the alert's status field, shown after the milestones' lines. */
  readonly status: (alert: Alert) => ReadonlyArray<string>
  readonly metrics: MetricsDeclaration<C, N, R>
}

/** A milestone of PRODUCT.md §3: reached at most once, with time and actor. */
export interface MilestoneDeclaration<
  K extends MilestoneKey,
  S extends string,
  E extends EventDeclarations,
  A extends string,
  C extends string,
  N extends string,
  R extends string,
> extends AspectDeclaration<E, A, C, N, R> {
  readonly key: K
  /** The state name of PRODUCT.md §3 for an alert whose latest milestone this is. */
  readonly state: S
  /** Reaching it ends the lifecycle: every later event is refused. */
  readonly terminal: boolean
  /** Reaching it means a person has taken the alert on (the alert turns green). */
  readonly handled: boolean
  /** The reply to a CRT member whose action would reach it again. */
  readonly already: (reached: MilestoneData<K>) => string
  /** What an export row says of it beyond when, by whom and after how long. */
  readonly exported: ExportDetails<K>
}

/** A value of an export cell. */
export type ExportValue = string | number | boolean | null

/**
 * Extra export columns of a milestone (named after it: `<milestone>_<column>`). Only kinds and
 * flags: never an id or text, which an export must not carry.
 */
export interface ExportDetails<K extends MilestoneKey> {
  readonly columns: ReadonlyArray<string>
  /** One value per column, in order. */
  readonly values: (reached: MilestoneData<K>) => ReadonlyArray<ExportValue>
}

/** Declares a milestone; every part is required, so a missing one does not compile. */
export const milestone = <
  K extends MilestoneKey,
  S extends string,
  E extends EventDeclarations,
  C extends string = never,
  N extends string = never,
  R extends string = never,
  A extends string = never,
>(
  declaration: MilestoneDeclaration<K, S, E, A, C, N, R>,
): MilestoneDeclaration<K, S, E, A, C, N, R> => declaration

/** Declares an aspect of an alert that is not a milestone (opt-out, repeats, re-notify). */
export const aspect = <
  E extends EventDeclarations,
  C extends string = never,
  N extends string = never,
  R extends string = never,
  A extends string = never,
>(
  declaration: AspectDeclaration<E, A, C, N, R>,
): AspectDeclaration<E, A, C, N, R> => declaration

// ---------------------------------------------------------------------------------------------
// Helpers for decisions and texts
// ---------------------------------------------------------------------------------------------

/** Some milestone is reached: a person or Ash has engaged with the alert. */
export const engaged = (alert: Alert): boolean => Object.values(alert.milestones).some((m) => m !== null)

/** A counter of alerts that reached `key` (and, if given, whose milestone passes `test`). */
export const countWhenReached = <C extends string, K extends MilestoneKey>(
  name: C,
  field: string,
  key: K,
  test: (reached: MilestoneData<K>) => boolean = () => true,
): CounterDeclaration<C> => ({
  name,
  field,
  counts: (alert) => {
    const reached = alert.milestones[key]
    return reached !== null && test(reached)
  },
})

/** The clock from the alert being posted to `key` being reached. */
export const clockTo = <N extends string>(
  key: MilestoneKey,
  name: N,
  label: string,
  definition: string,
  options: { readonly byHour?: boolean } = {},
): ClockDeclaration<N> => ({
  name,
  label,
  definition,
  sampleMs: (alert) => alert.milestones[key]?.elapsedMs ?? null,
  byHour: options.byHour ?? false,
})

/** The status line of `key` once it is reached; none before. */
export const statusWhenReached =
  <K extends MilestoneKey>(key: K, line: (reached: MilestoneData<K>) => string) =>
  (alert: Alert): ReadonlyArray<string> => {
    const reached = alert.milestones[key]
    return reached === null ? [] : [line(reached)]
  }

export const refuse = (rejection: Rejection): Decision => Either.left(rejection)

/** A timer's purpose was met when `key` was reached, so it does nothing. */
export const notNeeded = (alert: Alert, key: MilestoneKey): Rejection | null =>
  alert.milestones[key] === null ? null : { _tag: "NotNeeded", because: key }

/** A milestone stamped `now`: whole milliseconds after creation, never negative. */
export const stamp = (alert: Alert, by: string, now: number): Reached => {
  const at = Math.max(0, Math.trunc(now))
  return { at, by, elapsedMs: Math.max(0, at - alert.createdAt), skewed: at < alert.createdAt }
}

/**
 * A milestone stamped `now` with the details it records (mode, reason, …). Built with
 * Object.assign: `{ ...stamp(), reason }` is many times slower in V8, and this runs on every event.
 */
export const stampWith = <D extends object>(alert: Alert, by: string, now: number, detail: D): Reached & D =>
  Object.assign(stamp(alert, by, now), detail)

export const accept = (changes: AlertChanges, effects: ReadonlyArray<LifecycleEffect>): Decision =>
  Either.right({ changes, effects })

/** The first rejection that applies, else the step. */
export const unless = (rejections: ReadonlyArray<Rejection | null>, step: () => Decision): Decision => {
  for (const r of rejections) if (r !== null) return Either.left(r)
  return step()
}

/** The rejection for reaching `key` again, or null while it is not reached. */
export const reachedAlready = (alert: Alert, key: MilestoneKey): Rejection | null => {
  const reached = alert.milestones[key]
  return reached === null ? null : alreadyReached(key, reached)
}

/** Reaches the milestone `key` with `data`, unless it is reached already. */
export const reach = <K extends MilestoneKey>(
  alert: Alert,
  key: K,
  data: MilestoneData<K>,
  effects: ReadonlyArray<LifecycleEffect>,
  changes?: AlertChanges,
): Decision => {
  const already = reachedAlready(alert, key)
  if (already !== null) return Either.left(already)
  const milestones = { ...alert.milestones, [key]: data }
  // Object.assign, not a spread followed by a field: V8 builds the latter many times slower.
  return Either.right({ changes: Object.assign({}, changes, { milestones }), effects })
}

/**
 * Who did something, as the CRT reads it: a member as a mention (`<@id>`), the bot's own actors
 * in words. Anything else is escaped, so an actor can never inject markup.
 */
export const actor = (by: string): string =>
  by === "auto"
    ? "Ash (automatically)"
    : by === "clock"
      ? "the expiry timer"
      : /^[0-9]{1,20}$/.test(by)
        ? `<@${by}>`
        : escapeInline(by, 40)

/** `2m 10s`: how long after the alert something happened. */
export const after = (elapsedMs: number): string => formatDuration(elapsedMs)
