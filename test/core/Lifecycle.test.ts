import { describe, expect, it } from "@effect/vitest"
import { Either, Option } from "effect"
import { stateOf } from "../../src/core/Alert.js"
import {
  CONTACT_REQUEST_LEASE_MS,
  createAlert,
  type LifecycleEvent,
  pressEvent,
  transition,
} from "../../src/core/Lifecycle.js"
import { created, newAlert, policy, T0 } from "../support/alerts.js"

const apply = (events: ReadonlyArray<readonly [LifecycleEvent, number]>) => {
  let alert = created()
  for (const [event, at] of events) {
    const result = transition(alert, event, at)
    if (Either.isLeft(result)) throw new Error(`rejected ${event._tag}: ${result.left._tag}`)
    alert = result.right.alert
  }
  return alert
}

describe("createAlert", () => {
  it("schedules expiry, auto-contact by severity and re-notify", () => {
    const { alert, effects } = createAlert(newAlert({ severity: "critical" }), policy)
    expect(stateOf(alert)).toBe("created")
    expect(alert.deadlines).toEqual({
      autoContactAt: T0 + 120_000,
      renotifyAt: T0 + 600_000,
      expireAt: T0 + 86_400_000,
    })
    expect(effects).toEqual([
      { _tag: "ScheduleTimer", kind: "expire", dueAt: T0 + 86_400_000 },
      { _tag: "ScheduleTimer", kind: "auto_contact", dueAt: T0 + 120_000 },
      { _tag: "ScheduleTimer", kind: "renotify", dueAt: T0 + 600_000 },
    ])
  })

  it("never schedules auto-contact for MEDIUM by default nor for an opted-out member", () => {
    expect(createAlert(newAlert({ severity: "medium" }), policy).alert.deadlines.autoContactAt).toBeNull()
    expect(createAlert(newAlert({ optedOut: true }), policy).alert.deadlines.autoContactAt).toBeNull()
  })
})

describe("transition", () => {
  it("given an open alert, when acknowledged, records who and after how long and cancels the timers", () => {
    const result = transition(created(), { _tag: "Acknowledge", by: "crt-1" }, T0 + 80_000)
    expect(Either.isRight(result)).toBe(true)
    if (Either.isLeft(result)) return
    expect(result.right.alert.milestones.acknowledged).toEqual({
      at: T0 + 80_000,
      by: "crt-1",
      elapsedMs: 80_000,
      skewed: false,
    })
    expect(result.right.alert.version).toBe(1)
    expect(result.right.effects).toEqual([
      { _tag: "UpdateAlertMessage" },
      { _tag: "CancelTimer", kind: "auto_contact" },
      { _tag: "CancelTimer", kind: "renotify" },
    ])
  })

  it("given an acknowledged alert, a second acknowledge names who acknowledged and when", () => {
    const alert = apply([[{ _tag: "Acknowledge", by: "crt-1" }, T0 + 130_000]])
    expect(transition(alert, { _tag: "Acknowledge", by: "crt-2" }, T0 + 140_000)).toEqual(
      Either.left({
        _tag: "AlreadyReached",
        milestone: "acknowledged",
        reached: { by: "crt-1", at: T0 + 130_000, elapsedMs: 130_000, skewed: false },
      }),
    )
  })

  it("stamps an event from a process whose clock is behind as 0 ms and flags the skew", () => {
    const alert = apply([[{ _tag: "Acknowledge", by: "crt-1" }, T0 - 1_500]])
    expect(alert.milestones.acknowledged).toEqual({ at: T0 - 1_500, by: "crt-1", elapsedMs: 0, skewed: true })
  })

  it("auto-contacts only when due, then records the contact as automatic once the member is reached", () => {
    const alert = created()
    expect(transition(alert, { _tag: "AutoContactDue" }, T0 + 179_999)).toEqual(
      Either.left({ _tag: "NotDue", dueAt: T0 + 180_000 }),
    )
    const due = transition(alert, { _tag: "AutoContactDue" }, T0 + 180_000)
    if (Either.isLeft(due)) throw new Error("expected auto-contact to be due")
    expect(due.right.effects).toEqual([{ _tag: "ContactMember", mode: "auto" }])
    const made = transition(
      due.right.alert,
      { _tag: "AshContactMade", via: "dm", threadId: null },
      T0 + 181_000,
    )
    if (Either.isLeft(made)) throw new Error("expected the contact to be recorded")
    expect(made.right.alert.milestones.ashContacted).toEqual({
      at: T0 + 181_000,
      by: "auto",
      elapsedMs: 181_000,
      skewed: false,
      mode: "auto",
      via: "dm",
      threadId: null,
    })
  })

  it("still lets the CRT acknowledge after Ash reached the member", () => {
    const alert = apply([
      [{ _tag: "RequestAshContact", by: "crt-1" }, T0 + 10_000],
      [{ _tag: "AshContactMade", via: "thread", threadId: "1400000000000000001" }, T0 + 11_000],
      [{ _tag: "Acknowledge", by: "crt-2" }, T0 + 20_000],
    ])
    expect(stateOf(alert)).toBe("ash_contacted")
    expect(alert.milestones.acknowledged?.by).toBe("crt-2")
  })

  it("a failed contact records no contact and re-pings the CRT", () => {
    const requested = apply([[{ _tag: "RequestAshContact", by: "crt-1" }, T0 + 10_000]])
    const failed = transition(requested, { _tag: "AshContactFailed", reason: "dms closed" }, T0 + 12_000)
    if (Either.isLeft(failed)) throw new Error("expected the failure to be recorded")
    expect(failed.right.alert.milestones.ashContacted).toBeNull()
    expect(failed.right.alert.contactFailures).toBe(1)
    expect(failed.right.effects).toContainEqual({ _tag: "Renotify", reason: "contact_failed" })
  })

  it("a second Talk to Ash while a contact is under way is refused until its lease runs out", () => {
    const requested = apply([[{ _tag: "RequestAshContact", by: "crt-1" }, T0 + 10_000]])
    expect(transition(requested, { _tag: "RequestAshContact", by: "crt-2" }, T0 + 11_000)).toEqual(
      Either.left({ _tag: "ContactInProgress", by: "crt-1", at: T0 + 10_000 }),
    )
    const retried = transition(
      requested,
      { _tag: "RequestAshContact", by: "crt-2" },
      T0 + 10_000 + CONTACT_REQUEST_LEASE_MS,
    )
    expect(Either.isRight(retried)).toBe(true)
  })

  it("never contacts a member who opted out, and asks the CRT to reach out personally", () => {
    const optedOut = transition(created(), { _tag: "MemberOptedOut" }, T0 + 1_000)
    if (Either.isLeft(optedOut)) throw new Error("expected opt-out to be recorded")
    expect(optedOut.right.effects).toContainEqual({ _tag: "Renotify", reason: "opted_out" })
    expect(transition(optedOut.right.alert, { _tag: "RequestAshContact", by: "crt-1" }, T0 + 2_000)).toEqual(
      Either.left({ _tag: "OptedOut" }),
    )
    expect(transition(optedOut.right.alert, { _tag: "AutoContactDue" }, T0 + 200_000)).toEqual(
      Either.left({ _tag: "OptedOut" }),
    )
  })

  it("expiry with no human response closes the alert as unanswered; a closed alert accepts nothing", () => {
    const expired = apply([
      [{ _tag: "Acknowledge", by: "crt-1" }, T0 + 5_000],
      [{ _tag: "Expire" }, T0 + 86_400_000],
    ])
    expect(expired.milestones.closed).toMatchObject({ reason: "expired", unanswered: true, by: "clock" })
    expect(transition(expired, { _tag: "Resolve", by: "crt-1" }, T0 + 86_500_000)).toEqual(
      Either.left({
        _tag: "AlreadyReached",
        milestone: "closed",
        reached: {
          reason: "expired",
          unanswered: true,
          by: "clock",
          at: T0 + 86_400_000,
          elapsedMs: 86_400_000,
          skewed: false,
        },
      }),
    )
  })

  it("re-notifies once, and only while nobody acknowledged", () => {
    const once = apply([[{ _tag: "RenotifyDue" }, T0 + 600_000]])
    expect(once.renotified).toBe(true)
    expect(transition(once, { _tag: "RenotifyDue" }, T0 + 700_000)).toEqual(
      Either.left({ _tag: "AlreadyRenotified" }),
    )
    const acked = apply([[{ _tag: "Acknowledge", by: "crt-1" }, T0 + 5_000]])
    expect(transition(acked, { _tag: "RenotifyDue" }, T0 + 600_000)).toEqual(
      Either.left({ _tag: "NotNeeded", because: "acknowledged" }),
    )
  })
})

describe("closing and unanswered", () => {
  const close = (events: ReadonlyArray<readonly [LifecycleEvent, number]>) => apply(events).milestones.closed

  it("Resolve with no human response counts as unanswered; after one it does not", () => {
    expect(close([[{ _tag: "Resolve", by: "crt-1" }, T0 + 5_000]])).toMatchObject({
      reason: "resolved",
      unanswered: true,
    })
    expect(
      close([
        [{ _tag: "FirstResponse", by: "crt-1", detection: "self_reported" }, T0 + 3_000],
        [{ _tag: "Resolve", by: "crt-1" }, T0 + 5_000],
      ]),
    ).toMatchObject({ reason: "resolved", unanswered: false })
  })

  it("expiry after a human response is not unanswered", () => {
    expect(
      close([
        [{ _tag: "FirstResponse", by: "crt-2", detection: "thread_message" }, T0 + 3_000],
        [{ _tag: "Expire" }, T0 + 86_400_000],
      ]),
    ).toMatchObject({ reason: "expired", unanswered: false, by: "clock" })
  })
})

describe("contact in flight", () => {
  it("Talk to Ash a second after auto-contact started is told Ash is already reaching out", () => {
    const auto = apply([[{ _tag: "AutoContactDue" }, T0 + 180_000]])
    expect(auto.contactRequest).toEqual({ mode: "auto", by: "auto", at: T0 + 180_000 })
    expect(transition(auto, { _tag: "RequestAshContact", by: "crt-1" }, T0 + 181_000)).toEqual(
      Either.left({ _tag: "ContactInProgress", by: "auto", at: T0 + 180_000 }),
    )
  })

  it("a contact outcome with no request pending changes nothing", () => {
    expect(transition(created(), { _tag: "AshContactMade", via: "dm", threadId: null }, T0 + 1_000)).toEqual(
      Either.left({ _tag: "NoContactPending" }),
    )
    expect(transition(created(), { _tag: "AshContactFailed", reason: "closed" }, T0 + 1_000)).toEqual(
      Either.left({ _tag: "NoContactPending" }),
    )
  })
})

describe("the outcome of a contact", () => {
  it("a contact made clears the pending request, and stamps the milestone at the moment of creation unskewed", () => {
    const alert = apply([
      [{ _tag: "RequestAshContact", by: "crt-1" }, T0],
      [{ _tag: "AshContactMade", via: "dm", threadId: null }, T0],
    ])
    expect(alert.contactRequest).toBeNull()
    expect(alert.milestones.ashContacted).toMatchObject({ at: T0, elapsedMs: 0, skewed: false, via: "dm" })
  })

  it("a clock behind the alert's creation is marked skewed and counts no negative time", () => {
    const alert = apply([[{ _tag: "Acknowledge", by: "crt-1" }, T0 - 5_000]])
    expect(alert.milestones.acknowledged).toMatchObject({ at: T0 - 5_000, elapsedMs: 0, skewed: true })
  })
})

describe("button presses", () => {
  it("each button stands for its event, by the member who pressed it", () => {
    expect(pressEvent("ack", "crt-1")).toEqual(Option.some({ _tag: "Acknowledge", by: "crt-1" }))
    expect(pressEvent("resolve", "crt-2")).toEqual(Option.some({ _tag: "Resolve", by: "crt-2" }))
    expect(pressEvent("talk", "crt-3")).toEqual(Option.some({ _tag: "RequestAshContact", by: "crt-3" }))
  })
})
