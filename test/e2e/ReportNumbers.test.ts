/**
 * The report's numbers on the wire, with a real Redis: alerts created and handled over the
 * Discord wire across several days of a week (the bot's clock is moved, as Effect's Clock is its
 * only time source), then the week's report posted at start-up in the next week. Every number on
 * the embed is checked against the core's `recompute` over the raw alert records, and the
 * operator's `npm run report` prints the same numbers.
 */
import { spawnSync } from "node:child_process"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import type { APIMessage } from "discord-api-types/v10"
import { Chunk, Effect, Layer, Option, Stream } from "effect"
import { describe, expect, inject, it } from "vitest"
import { addDays } from "../../src/core/Calendar.js"
import { type DailyAggregate, empty, merge, recompute, toFields } from "../../src/core/DailyAggregate.js"
import { REPORT_TITLE, renderWeeklyReport } from "../../src/core/WeeklyReport.js"
import { summarize } from "../../src/core/WeeklySummary.js"
import { AlertStore } from "../../src/shell/AlertStore.js"
import { Redis } from "../../src/shell/Redis.js"
import { alertFor, customIdOf, say, statusOf, waitFor } from "./helpers.js"
import { CHANNEL, USER, worldForFile } from "./world.js"

// Nothing changes an alert behind the test's back: no automatic contact, re-notification or expiry.
const QUIET = {
  BOT_AUTO_INITIATE_ENABLED: "false",
  BOT_ALERT_RENOTIFY_MINUTES: "0",
  BOT_ALERT_EXPIRY_HOURS: "720",
  BOT_METRICS_TIMEZONE: "UTC",
}
const file = worldForFile(QUIET)

const WEEK = "2026-W10"
const MONDAY = "2026-03-02"
const at = (day: string, hour: number) => Date.parse(`${day}T${String(hour).padStart(2, "0")}:05:00Z`)

/** A CRT member presses `label` on the alert; resolves once the alert's status says `status`. */
const press = async (alert: APIMessage, label: string, userId: string, status: string) => {
  const { discord } = file.world
  discord.clickButton({ messageId: alert.id, customId: customIdOf(alert, label), userId })
  return discord.waitForEdit(alert.id, (m) => statusOf(m).includes(status), 10_000)
}

/** Runs `f` on an AlertStore over the world's Redis keys. */
const withStore = <A, E>(f: (store: AlertStore["Type"]) => Effect.Effect<A, E>) =>
  Effect.runPromise(
    Effect.flatMap(AlertStore, f).pipe(
      Effect.provide(
        AlertStore.layer().pipe(
          Layer.provide(
            Redis.layer({
              url: inject("redisUrl"),
              password: Option.none(),
              keyPrefix: file.world.keyPrefix,
              commandTimeoutMs: 2_000,
            }),
          ),
        ),
      ),
    ),
  )

/** Every alert record of the days, read straight from Redis. */
const rawAlerts = (days: ReadonlyArray<string>) =>
  withStore((store) =>
    Effect.map(Stream.runCollect(Stream.flatMap(Stream.fromIterable(days), store.alertsOn)), Chunk.toArray),
  )

const tsx = pathToFileURL(join(process.cwd(), "node_modules/tsx/dist/loader.mjs")).href
const reportCli = (args: ReadonlyArray<string>) =>
  spawnSync(
    process.execPath,
    ["--import", tsx, join(process.cwd(), "src/app/reports/ReportCli.ts"), ...args],
    {
      env: {
        PATH: process.env.PATH ?? "",
        BOT_REDIS_URL: inject("redisUrl"),
        BOT_REDIS_KEY_PREFIX: file.world.keyPrefix,
        BOT_METRICS_TIMEZONE: "UTC",
      },
      encoding: "utf8",
      timeout: 60_000,
    },
  )

describe("the weekly report's numbers", () => {
  it("equal the recomputation over the raw alert records, field by field; npm run report prints the same", async () => {
    const { world } = file
    // Monday 09:05: HIGH, acknowledged, reached out, resolved.
    world.setClock(at(MONDAY, 9))
    const a = await alertFor(
      world,
      CHANNEL.crisis,
      say(world, "high", { userId: USER.quinn, channelId: CHANNEL.general }).id,
    )
    const a1 = await press(a, "Acknowledge", USER.crt1, "Acknowledged")
    const a2 = await press(a1, "I reached out", USER.crt1, "First human response")
    await press(a2, "Resolve", USER.crt1, "Resolved")
    // Monday 21:05: CRITICAL, acknowledged by another CRT member.
    world.setClock(at(MONDAY, 21))
    const b = await alertFor(
      world,
      CHANNEL.critical,
      say(world, "critical", { userId: USER.jade, channelId: CHANNEL.vent }).id,
    )
    await press(b, "Acknowledge", USER.crt2, "Acknowledged")
    // Wednesday 14:05: MEDIUM, left open.
    world.setClock(at(addDays(MONDAY, 2), 14))
    await alertFor(
      world,
      CHANNEL.monitor,
      say(world, "medium", { userId: USER.rowan, channelId: CHANNEL.general }).id,
    )
    // Friday 03:05: HIGH, acknowledged and resolved by the second CRT member.
    world.setClock(at(addDays(MONDAY, 4), 3))
    const d = await alertFor(
      world,
      CHANNEL.crisis,
      say(world, "high", { userId: USER.member, channelId: CHANNEL.general }).id,
    )
    const d2 = await press(d, "Acknowledge", USER.crt2, "Acknowledged")
    await press(d2, "Resolve", USER.crt2, "Resolved")

    // The next Monday 10:05: a bot with the report at Monday 09:00 UTC posts last week's at start-up.
    world.setClock(at(addDays(MONDAY, 7), 10))
    const reporter = await world.startBot({
      ...QUIET,
      BOT_WEEKLY_REPORT_ENABLED: "true",
      BOT_WEEKLY_REPORT_DAY: "monday",
      BOT_WEEKLY_REPORT_HOUR: "9",
      BOT_WEEKLY_REPORT_TIMEZONE: "UTC",
    })
    const report = await waitFor(
      "the weekly report",
      () =>
        world.discord
          .messages(CHANNEL.monitor)
          .find((m) => m.author.id === world.discord.botUser.id && m.embeds[0]?.title === REPORT_TITLE),
      15_000,
    )
    await reporter.stop()

    const week = Array.from({ length: 7 }, (_, i) => addDays(MONDAY, i))
    const alerts = await rawAlerts(week)
    // The records are what the test did: four alerts on Monday (2), Wednesday and Friday.
    expect(alerts.map((x) => x.day)).toEqual([MONDAY, MONDAY, addDays(MONDAY, 2), addDays(MONDAY, 4)])
    const byDay = recompute(alerts)
    // The days' aggregates as the bot kept them, field by field (the per-hour histograms too).
    const kept = await withStore((store) => store.daily(week))
    for (const { day, aggregate } of kept)
      expect(toFields(aggregate)).toEqual(toFields(byDay.get(day) ?? empty))
    // Monday's 21:05 alert was acknowledged: its hour has a histogram.
    expect(
      Object.keys(toFields(byDay.get(MONDAY) ?? empty)).some((f) => f.startsWith("acknowledge_hour_21_")),
    ).toBe(true)
    const [first, ...rest] = week.map((day) => ({ day, aggregate: byDay.get(day) ?? empty }))
    if (first === undefined) throw new Error("a week has days")
    const previous = recompute(await rawAlerts(week.map((day) => addDays(day, -7))))
    const expected = renderWeeklyReport(
      summarize({
        days: [first, ...rest],
        previous: [...previous.values()].reduce<DailyAggregate>((x, y) => merge(x, y), empty),
        targets: { acknowledge: 300_000, first_response: 900_000 },
      }),
      { timeZone: "UTC" },
    )
    const posted = report.embeds[0]
    expect(posted?.description).toBe(expected.description)
    expect(posted?.fields?.map((f) => [f.name, f.value])).toEqual(
      expected.fields.map((f) => [f.name, f.value]),
    )
    // A few of those numbers, said plainly.
    const field = (name: string) => posted?.fields?.find((f) => f.name === name)?.value ?? ""
    expect(field("📈 Alert Summary")).toContain("Total alerts: **4**")
    expect(field("📈 Alert Summary")).toContain("🟠 High: 2")
    expect(field("⏱️ Response Times")).toContain("**Time to acknowledge** (n = 3)")
    expect(field("📅 Busiest Times")).toContain("Mon 2 · Tue 0 · Wed 1 · Thu 0 · Fri 1 · Sat 0 · Sun 0")
    // Friday's alert was acknowledged and resolved, but nobody reported reaching the member.
    expect(field("🚨 Unanswered")).toContain("**1** of 2 closed alerts had no human response")
    expect(field("🏆 CRT Responders")).toContain(`<@${USER.crt1}> — 1 acknowledgement, 1 first response`)

    // The operator's CLI, on the same Redis: the same numbers for the same week.
    const text = reportCli(["--week", WEEK])
    expect(text.stderr).toBe("")
    for (const f of posted?.fields ?? []) expect(text.stdout).toContain(`${f.name}\n${f.value}`)
    const json = JSON.parse(reportCli(["--week", WEEK, "--format", "json"]).stdout) as Record<string, unknown>
    expect(json).toMatchObject({ total_alerts: 4, severity_high: 2, acknowledged: 3, unanswered: 1 })
  }, 90_000)
})
