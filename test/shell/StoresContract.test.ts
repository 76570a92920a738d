import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Option, Stream } from "effect"
import { empty, FIELD, toFields } from "../../src/core/DailyAggregate.js"
import { createAlert } from "../../src/core/Lifecycle.js"
import { AlertStore } from "../../src/shell/AlertStore.js"
import { CooldownStore } from "../../src/shell/CooldownStore.js"
import { IntakeCounters } from "../../src/shell/IntakeCounters.js"
import { MemberStore } from "../../src/shell/MemberStore.js"
import { ResponseIndex } from "../../src/shell/ResponseIndex.js"
import { TimerStore } from "../../src/shell/TimerStore.js"
import { alertId, newAlert, policy, T0 } from "../support/alerts.js"
import { backends } from "../support/stores.js"

/** One contract, two implementations: whatever holds in memory holds on Redis. */
describe.each(backends)("store contract on $name", ({ name, layer }) => {
  const run = <A, E>(label: string, effect: Effect.Effect<A, E, import("../support/stores.js").Stores>) =>
    Effect.runPromise(Effect.provide(effect, layer(`${name}-${label}`)))

  it("creates an alert, finds it by id and by alert message, and counts it once in its day", async () => {
    const created = createAlert(newAlert({ id: alertId(11) }), policy)
    const [byId, byMessage, days] = await run(
      "create",
      Effect.gen(function* () {
        const store = yield* AlertStore
        yield* store.create(created)
        const again = yield* Effect.either(store.create(created))
        expect(Either.isLeft(again) && again.left._tag).toBe("AlertAlreadyExists")
        return [
          yield* store.get(alertId(11)),
          yield* store.getByMessageId("600"),
          yield* store.daily(["2025-10-08", "2025-10-09"]),
        ] as const
      }),
    )
    expect(byId).toEqual(Option.some(created.alert))
    expect(byMessage).toEqual(Option.some(created.alert))
    expect(days[0]?.aggregate.counts.get("totalAlerts")).toBe(0)
    expect(days[1]?.aggregate.counts.get("totalAlerts")).toBe(1)
  })

  it("keeps the per-hour histograms with the day, read unless the caller leaves them out", async () => {
    const created = createAlert(
      newAlert({ id: alertId(41), origin: { ...newAlert().origin, alertMessageId: "741" } }),
      policy,
    )
    const [whole, numbers] = await run(
      "hours",
      Effect.gen(function* () {
        const store = yield* AlertStore
        yield* store.create(created)
        yield* store.apply(alertId(41), { _tag: "Acknowledge", by: "crt-1" })
        return [
          yield* store.daily(["2025-10-09"]),
          yield* store.daily(["2025-10-09"], { hours: false }),
        ] as const
      }),
    )
    const hourly = (d: typeof whole) => Object.keys(toFields(d[0]?.aggregate ?? empty)).filter(FIELD.isHourly)
    // Acknowledged (now, by the store's clock) an alert created at 08:xx: one cell of hour 08.
    expect(hourly(whole)).toHaveLength(1)
    expect(hourly(whole)[0]).toMatch(/^acknowledge_hour_08_bucket_\d{2}$/)
    expect(hourly(numbers)).toEqual([])
    // Everything else is the same either way.
    const rest = (d: typeof whole) =>
      Object.entries(toFields(d[0]?.aggregate ?? empty)).filter(([f]) => !FIELD.isHourly(f))
    expect(rest(numbers)).toEqual(rest(whole))
  })

  it("lists a day's alerts in creation order, as they stand, and no other day's", async () => {
    const at = (n: number, createdAt: number, day: string) =>
      createAlert(
        newAlert({
          id: alertId(n),
          createdAt,
          day,
          origin: { ...newAlert().origin, alertMessageId: String(700 + n) },
        }),
        policy,
      )
    const [day, other] = await run(
      "by-day",
      Effect.gen(function* () {
        const store = yield* AlertStore
        yield* store.create(at(31, T0 + 2_000, "2025-10-09"))
        yield* store.create(at(32, T0 + 1_000, "2025-10-09"))
        yield* store.create(at(33, T0 - 86_400_000, "2025-10-08"))
        yield* store.apply(alertId(31), { _tag: "Acknowledge", by: "crt-1" })
        const list = (d: string) => Effect.map(Stream.runCollect(store.alertsOn(d)), (c) => [...c])
        return [yield* list("2025-10-09"), yield* list("2025-10-08")] as const
      }),
    )
    expect(day.map((a) => a.id)).toEqual([alertId(32), alertId(31)])
    expect(day[1]?.milestones.acknowledged?.by).toBe("crt-1")
    expect(other.map((a) => a.id)).toEqual([alertId(33)])
  })

  it("applies events, refuses a second acknowledge naming the first, and schedules/cancels timers", async () => {
    const id = alertId(12)
    const result = await run(
      "apply",
      Effect.gen(function* () {
        const store = yield* AlertStore
        const timers = yield* TimerStore
        yield* store.create(createAlert(newAlert({ id }), policy))
        const autoBefore = yield* timers.dueAt(id, "auto_contact")
        const acked = yield* store.apply(id, { _tag: "Acknowledge", by: "crt-1" })
        const second = yield* Effect.either(store.apply(id, { _tag: "Acknowledge", by: "crt-2" }))
        const autoAfter = yield* timers.dueAt(id, "auto_contact")
        const expire = yield* timers.dueAt(id, "expire")
        const missing = yield* Effect.either(store.apply(alertId(999), { _tag: "Acknowledge", by: "crt-1" }))
        const [day] = yield* store.daily(["2025-10-09"])
        return { autoBefore, acked, second, autoAfter, expire, missing, day }
      }),
    )
    expect(result.autoBefore).toEqual(Option.some(T0 + 180_000))
    expect(result.acked.alert.milestones.acknowledged?.by).toBe("crt-1")
    expect(result.acked.alert.version).toBe(1)
    expect(
      Either.isLeft(result.second) &&
        result.second.left._tag === "EventRejected" &&
        result.second.left.rejection,
    ).toMatchObject({
      _tag: "AlreadyReached",
      milestone: "acknowledged",
      reached: { by: "crt-1" },
    })
    expect(result.autoAfter).toEqual(Option.none())
    expect(result.expire).toEqual(Option.some(T0 + 86_400_000))
    expect(Either.isLeft(result.missing) && result.missing.left._tag).toBe("AlertNotFound")
    expect(result.day?.aggregate.counts.get("acknowledged")).toBe(1)
    expect(result.day?.aggregate.counts.get("totalAlerts")).toBe(1)
  })

  it("claims each due timer once and lets an abandoned claim be taken again after its lease", async () => {
    const claims = await run(
      "timers",
      Effect.gen(function* () {
        const timers = yield* TimerStore
        yield* timers.schedule(alertId(1), "auto_contact", 1_000)
        yield* timers.schedule(alertId(2), "renotify", 2_000)
        yield* timers.schedule(alertId(3), "expire", 9_000)
        const first = yield* timers.claimDue(2_500, 10, 5_000)
        const again = yield* timers.claimDue(2_600, 10, 5_000)
        const afterLease = yield* timers.claimDue(7_500, 10, 5_000)
        const staleComplete = yield* timers.complete(
          first[0] ?? { kind: "expire", alertId: alertId(0), leaseUntil: 0 },
        )
        const done = yield* Effect.forEach(afterLease, (t) => timers.complete(t))
        const left = yield* timers.claimDue(20_000, 10, 5_000)
        return { first, again, afterLease, staleComplete, done, left }
      }),
    )
    expect(claims.first.map((t) => t.alertId)).toEqual([alertId(1), alertId(2)])
    expect(claims.again).toEqual([])
    expect(claims.afterLease.map((t) => t.alertId)).toEqual([alertId(1), alertId(2)])
    expect(claims.staleComplete).toBe(false)
    expect(claims.done).toEqual([true, true])
    expect(claims.left.map((t) => t.alertId)).toEqual([alertId(3)])
  })

  it("holds a cooldown for the same or lower severity, lets a higher one or an escalation through", async () => {
    const r = { guildId: "1", memberId: "2", cooldownMs: 60_000, bypass: false } as const
    const decisions = await run(
      "cooldown",
      Effect.gen(function* () {
        const cooldowns = yield* CooldownStore
        return [
          yield* cooldowns.acquire({ ...r, severity: "high", alertId: alertId(1) }),
          yield* cooldowns.acquire({ ...r, severity: "high", alertId: alertId(2) }),
          yield* cooldowns.acquire({ ...r, severity: "medium", alertId: alertId(3) }),
          yield* cooldowns.acquire({ ...r, severity: "critical", alertId: alertId(4) }),
          yield* cooldowns.acquire({ ...r, severity: "high", alertId: alertId(5), bypass: true }),
          yield* cooldowns.acquire({ ...r, memberId: "3", severity: "medium", alertId: alertId(6) }),
        ]
      }),
    )
    expect(decisions.map((d) => d._tag)).toEqual([
      "Acquired",
      "Held",
      "Held",
      "Acquired",
      "Acquired",
      "Acquired",
    ])
    expect(decisions[1]?._tag === "Held" && decisions[1].entry.alertId).toBe(alertId(1))
  })

  it("expires a cooldown by itself and releases one whose alert could not be posted", async () => {
    const r = { guildId: "1", memberId: "2", severity: "high", bypass: false } as const
    const decisions = await run(
      "cooldown-expiry",
      Effect.gen(function* () {
        const cooldowns = yield* CooldownStore
        yield* cooldowns.acquire({ ...r, alertId: alertId(1), cooldownMs: 40 })
        yield* Effect.sleep("80 millis")
        const afterExpiry = yield* cooldowns.acquire({ ...r, alertId: alertId(2), cooldownMs: 60_000 })
        yield* cooldowns.release("1", "2", alertId(2))
        const afterRelease = yield* cooldowns.acquire({ ...r, alertId: alertId(3), cooldownMs: 60_000 })
        return [afterExpiry._tag, afterRelease._tag]
      }),
    )
    expect(decisions).toEqual(["Acquired", "Acquired"])
  })

  it("keeps a capped history, oldest first, plus opt-out and the open alert", async () => {
    const entry = (n: number) => ({
      messageId: String(n),
      message: `message ${n}`,
      at: T0 + n * 1_000,
      crisisScore: 0.5,
      severity: "medium" as const,
    })
    const result = await run(
      "member",
      Effect.gen(function* () {
        const members = yield* MemberStore
        for (const n of [3, 1, 5, 2, 4])
          yield* members.addHistory("1", "2", entry(n), { maxEntries: 4, ttlMs: 60_000 })
        const recent = yield* members.recentHistory("1", "2", 3)
        const all = yield* members.recentHistory("1", "2", 20)
        const before = yield* members.isOptedOut("1", "2")
        yield* members.setOptOut("1", "2", 60_000)
        const after = yield* members.isOptedOut("1", "2")
        yield* members.clearOptOut("1", "2")
        const cleared = yield* members.isOptedOut("1", "2")
        return { recent, all, before, after, cleared }
      }),
    )
    expect(result.recent.map((e) => e.messageId)).toEqual(["3", "4", "5"])
    expect(result.all.map((e) => e.messageId)).toEqual(["2", "3", "4", "5"])
    expect([result.before, result.after, result.cleared]).toEqual([false, true, false])
  })

  it("finds a member's open alert and a support thread's alert in one lookup, skipping bad records", async () => {
    const result = await run(
      "responses",
      Effect.gen(function* () {
        const responses = yield* ResponseIndex
        yield* responses.watchMember("1", "20", { alertId: alertId(7), sourceChannelId: "300" }, 60_000)
        yield* responses.watchMember("1", "21", { alertId: alertId(8), sourceChannelId: "301" }, 60_000)
        // A newer alert of the same member replaces the older one.
        yield* responses.watchMember("1", "21", { alertId: alertId(9), sourceChannelId: "302" }, 60_000)
        yield* responses.watchThread("500", alertId(7), 60_000)
        const inThread = yield* responses.lookup("1", { threadId: "500", memberIds: ["20", "21", "22"] })
        const elsewhere = yield* responses.lookup("1", { threadId: "501", memberIds: ["21"] })
        const otherGuild = yield* responses.lookup("2", { threadId: "501", memberIds: ["20"] })
        const open = yield* responses.openAlert("1", "21")
        return { inThread, elsewhere, otherGuild, open }
      }),
    )
    expect(result.inThread.thread).toBe(alertId(7))
    expect([...result.inThread.members.entries()]).toEqual([
      ["20", { alertId: alertId(7), sourceChannelId: "300" }],
      ["21", { alertId: alertId(9), sourceChannelId: "302" }],
    ])
    expect(result.elsewhere.thread).toBeNull()
    expect([...result.elsewhere.members.keys()]).toEqual(["21"])
    expect(result.otherGuild.members.size).toBe(0)
    expect(result.open).toEqual(Option.some({ alertId: alertId(9), sourceChannelId: "302" }))
  })
  it("counts intake losses per day, each counter on its own, starting from zero", async () => {
    const [before, after, otherDay] = await run(
      "intake",
      Effect.gen(function* () {
        const counters = yield* IntakeCounters
        const before = yield* counters.read("2025-10-09")
        yield* counters.count("2025-10-09", "nlp_malformed_count")
        yield* counters.count("2025-10-09", "nlp_malformed_count")
        yield* counters.count("2025-10-09", "nlp_buffer_overflow_count", 7)
        return [before, yield* counters.read("2025-10-09"), yield* counters.read("2025-10-10")] as const
      }),
    )
    expect(Object.values(before).every((n) => n === 0)).toBe(true)
    expect(after).toMatchObject({
      nlp_malformed_count: 2,
      nlp_buffer_overflow_count: 7,
      nlp_rejected_count: 0,
    })
    expect(otherDay.nlp_malformed_count).toBe(0)
  })
})
