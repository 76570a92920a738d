import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import {
  isLifecycleEvent,
  type LifecycleEvent,
  type Rejection,
  transition,
} from "../../src/core/Lifecycle.js"
import { describeRejection } from "../../src/core/Replies.js"
import { created, T0 } from "../support/alerts.js"

/** The rejection `events` end in, applied one after the other to a fresh alert. */
const refusal = (events: ReadonlyArray<readonly [LifecycleEvent, number]>): Rejection => {
  let alert = created()
  for (const [i, [event, at]] of events.entries()) {
    const result = transition(alert, event, at)
    if (Either.isLeft(result)) {
      if (i === events.length - 1) return result.left
      throw new Error(`refused early: ${result.left._tag}`)
    }
    alert = result.right.alert
  }
  throw new Error("the last event was accepted")
}

const reply = (events: ReadonlyArray<readonly [LifecycleEvent, number]>) => describeRejection(refusal(events))

describe("the replies a CRT member gets when an action changes nothing", () => {
  it("name who reached the milestone and when", () => {
    expect(
      reply([
        [{ _tag: "Acknowledge", by: "501" }, T0 + 80_000],
        [{ _tag: "Acknowledge", by: "502" }, T0 + 90_000],
      ]),
    ).toBe("✅ Already acknowledged by <@501>, 1m 20s after the alert.")
    expect(
      reply([
        [{ _tag: "RequestAshContact", by: "501" }, T0 + 10_000],
        [{ _tag: "AshContactMade", via: "dm", threadId: null }, T0 + 70_000],
        [{ _tag: "RequestAshContact", by: "502" }, T0 + 90_000],
      ]),
    ).toBe("💬 Ash already reached the member (asked by <@501>), 1m 10s after the alert.")
    expect(
      reply([
        [{ _tag: "AutoContactDue" }, T0 + 180_000],
        [{ _tag: "AshContactMade", via: "thread", threadId: "1400000000000000001" }, T0 + 181_000],
        [{ _tag: "RequestAshContact", by: "502" }, T0 + 190_000],
      ]),
    ).toBe("💬 Ash already reached the member (automatically), 3m 1s after the alert.")
    expect(
      reply([
        [{ _tag: "FirstResponse", by: "503", detection: "self_reported" }, T0 + 45_000],
        [{ _tag: "FirstResponse", by: "504", detection: "self_reported" }, T0 + 50_000],
      ]),
    ).toBe("💬 <@503> already responded to the member, 45s after the alert.")
    expect(
      reply([
        [{ _tag: "Resolve", by: "505" }, T0 + 3_600_000],
        [{ _tag: "Acknowledge", by: "501" }, T0 + 3_700_000],
      ]),
    ).toBe("🔒 This alert was resolved by <@505>, 1h after it was posted.")
    expect(
      reply([
        [{ _tag: "Expire" }, T0 + 86_400_000],
        [{ _tag: "Resolve", by: "505" }, T0 + 86_500_000],
      ]),
    ).toBe("⌛ This alert expired 1d after it was posted.")
  })

  it("say why nothing happened otherwise", () => {
    expect(
      reply([
        [{ _tag: "RequestAshContact", by: "501" }, T0 + 1_000],
        [{ _tag: "RequestAshContact", by: "502" }, T0 + 2_000],
      ]),
    ).toBe("💬 <@501> is already reaching out through Ash.")
    expect(reply([[{ _tag: "AshContactMade", via: "dm", threadId: null }, T0 + 1_000]])).toBe(
      "No contact with the member is under way.",
    )
    expect(
      reply([
        [{ _tag: "MemberOptedOut" }, T0 + 1_000],
        [{ _tag: "RequestAshContact", by: "501" }, T0 + 2_000],
      ]),
    ).toBe("👤 The member prefers human support: please reach out personally.")
    expect(
      reply([
        [{ _tag: "MemberOptedOut" }, T0 + 1_000],
        [{ _tag: "MemberOptedOut" }, T0 + 2_000],
      ]),
    ).toBe("👤 The member prefers human support: please reach out personally.")
    expect(reply([[{ _tag: "RenotifyDue" }, T0 + 1_000]])).toBe("Not due yet.")
    expect(
      reply([
        [{ _tag: "RenotifyDue" }, T0 + 600_000],
        [{ _tag: "RenotifyDue" }, T0 + 700_000],
      ]),
    ).toBe("The CRT was already pinged again.")
    expect(
      reply([
        [{ _tag: "Acknowledge", by: "501" }, T0 + 1_000],
        [{ _tag: "AutoContactDue" }, T0 + 180_000],
      ]),
    ).toBe("Nothing to do: the alert was already acknowledged.")
    expect(describeRejection({ _tag: "NotNeeded", because: "ashContacted" })).toBe(
      "Nothing to do: the alert was already ash contacted.",
    )
    expect(describeRejection({ _tag: "UnknownEvent", event: "Forged" })).toBe(
      "⚠️ Unknown action. Nothing was changed.",
    )
  })
})

describe("events from outside", () => {
  it("are recognised only with a declared tag and the fields it declares", () => {
    expect(isLifecycleEvent({ _tag: "Acknowledge", by: "501" })).toBe(true)
    expect(isLifecycleEvent({ _tag: "Expire" })).toBe(true)
    expect(isLifecycleEvent({ _tag: "Acknowledge" })).toBe(false)
    expect(isLifecycleEvent({ _tag: "AshContactMade", via: "carrier pigeon" })).toBe(false)
    expect(isLifecycleEvent({ _tag: "Forged", by: "501" })).toBe(false)
    expect(isLifecycleEvent({ by: "501" })).toBe(false)
    expect(isLifecycleEvent("Acknowledge")).toBe(false)
    expect(isLifecycleEvent(null)).toBe(false)
  })

  it("an event no declaration handles changes nothing", () => {
    // Only forged input carries a tag no declaration has: the types rule it out everywhere else.
    const forged = { _tag: "Forged" } as unknown as LifecycleEvent
    expect(transition(created(), forged, T0)).toEqual(Either.left({ _tag: "UnknownEvent", event: "Forged" }))
  })
})
