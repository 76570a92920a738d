/**
 * The lifecycle's milestones (PRODUCT.md §3), each declared once in its own file, and everything
 * derived from the list: the events, the states, the buttons, the daily counters, clocks and
 * responder roles. To add a milestone, declare it next to the others and list it here (see
 * docs/extending-the-lifecycle.md).
 */
import { Schema } from "effect"
import { Acknowledged, AcknowledgedData } from "./Acknowledged.js"
import { AshContacted, AshContactedData } from "./AshContacted.js"
import { Conversation, Created, OptOut, Raise, Renotify, Repeats } from "./Aspects.js"
import { Closed, ClosedData } from "./Closed.js"
import type {
  ButtonDeclaration,
  ClockDeclaration,
  CounterDeclaration,
  EventDeclaration,
  EventsOf,
  MilestoneKey,
  ResponderDeclaration,
} from "./Declaration.js"
import { Responded, RespondedData } from "./Responded.js"

/**
 * A milestone's place in the alert record: null until reached. A record stored before the
 * milestone was declared reads as "not reached", so adding one needs no migration.
 */
const slot = <A, I>(data: Schema.Schema<A, I>) =>
  Schema.optionalWith(Schema.NullOr(data), { default: () => null, exact: true })

/** The milestones an alert records, each null until reached. */
export const MilestonesSchema = Schema.Struct({
  acknowledged: slot(AcknowledgedData),
  ashContacted: slot(AshContactedData),
  responded: slot(RespondedData),
  closed: slot(ClosedData),
})

/** The milestones in the order the lifecycle moves through them. */
export const MILESTONES = {
  acknowledged: Acknowledged,
  ashContacted: AshContacted,
  responded: Responded,
  closed: Closed,
} as const satisfies { readonly [K in MilestoneKey]: { readonly key: K } }

/** What else changes an alert or its metrics: its creation, opt-out, repeats, re-notify, a raise, a conversation. */
export const ASPECTS = [Created, OptOut, Repeats, Renotify, Raise, Conversation] as const

type AnyMilestone = (typeof MILESTONES)[MilestoneKey]
type AnyDeclaration = AnyMilestone | (typeof ASPECTS)[number]

/** Every declaration: milestones first, in lifecycle order, then the aspects. */
export const DECLARATIONS: ReadonlyArray<AnyDeclaration> = [...Object.values(MILESTONES), ...ASPECTS]

/** Everything that can happen to an alert after it was posted. */
export type LifecycleEvent = AnyDeclaration extends infer D
  ? D extends { readonly events: infer E }
    ? EventsOf<E>
    : never
  : never
export type LifecycleEventTag = LifecycleEvent["_tag"]

/** The alert's lifecycle state (PRODUCT.md §3): `created`, or its latest milestone's state. */
export type AlertState = "created" | AnyMilestone["state"]

/** The action segment of a button's custom_id. */
export type ButtonAction = NonNullable<AnyDeclaration["button"]>["action"]

/** The daily counters, by name. */
export type Counter = AnyDeclaration["metrics"]["counters"][number]["name"]

/** The measured durations, by name. */
export type Clock = NonNullable<AnyDeclaration["metrics"]["clock"]>["name"]

/** What a responder is credited for (acknowledgements, first responses). */
export type ResponderRole = NonNullable<AnyDeclaration["metrics"]["responder"]>["role"]

/** Milestones in lifecycle order, the terminal one last. */
export const MILESTONE_LIST: ReadonlyArray<AnyMilestone> = [
  ...DECLARATIONS.filter((d): d is AnyMilestone => "key" in d && !d.terminal),
  ...DECLARATIONS.filter((d): d is AnyMilestone => "key" in d && d.terminal),
]

type AnyButton = ButtonDeclaration<ButtonAction, LifecycleEvent>

/** Every button, left to right. */
export const BUTTONS: ReadonlyArray<AnyButton> = DECLARATIONS.flatMap(
  (d): ReadonlyArray<AnyButton> => (d.button === null ? [] : [d.button]),
).sort((a, b) => a.position - b.position)

export const BUTTON_ACTIONS: ReadonlyArray<ButtonAction> = BUTTONS.map((b) => b.action)

export const COUNTERS: ReadonlyArray<CounterDeclaration<Counter>> = DECLARATIONS.flatMap(
  (d): ReadonlyArray<CounterDeclaration<Counter>> => d.metrics.counters,
)

export const CLOCKS: ReadonlyArray<ClockDeclaration<Clock>> = DECLARATIONS.flatMap(
  (d): ReadonlyArray<ClockDeclaration<Clock>> => (d.metrics.clock === null ? [] : [d.metrics.clock]),
)

export const RESPONDER_ROLES: ReadonlyArray<ResponderDeclaration<ResponderRole>> = DECLARATIONS.flatMap(
  (d): ReadonlyArray<ResponderDeclaration<ResponderRole>> =>
    d.metrics.responder === null ? [] : [d.metrics.responder],
)

/** Every event's declaration, by tag. */
export const EVENTS: ReadonlyMap<string, EventDeclaration<Schema.Struct.Fields>> = new Map(
  DECLARATIONS.flatMap((d) => Object.entries<EventDeclaration<Schema.Struct.Fields>>(d.events)),
)
