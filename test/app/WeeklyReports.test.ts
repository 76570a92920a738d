import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, TestClock } from "effect"
import { Features } from "../../src/app/main.js"
import { exportFile } from "../../src/app/reports/Export.js"
import { WeeklyReports } from "../../src/app/reports/WeeklyReports.js"
import { REPLIES } from "../../src/core/Replies.js"
import { RANGE_REPORT_TITLE, REPORT_TITLE } from "../../src/core/WeeklyReport.js"
import { DiscordMemory } from "../../src/shell/discord/DiscordMemory.js"
import { CHART_FILE_NAME } from "../../src/shell/ReportChartImage.js"
import {
  alertFor,
  answered,
  CHANNEL,
  editedTo,
  ephemeralText,
  GUILD,
  MINUTE,
  onTwins,
  posts,
  press,
  ROLE,
  say,
  settle,
  statusOf,
  T0,
  USER,
  withBot,
} from "../support/app.js"

// T0 is Thursday 2025-10-09 08:53:20 UTC: the most recent Monday 09:00 UTC is 2025-10-06.
const MONDAY_NEXT = Date.parse("2025-10-13T09:00:00Z")
const REPORTS_ON = { env: { BOT_WEEKLY_REPORT_ENABLED: "true" } }

const reports = (channelId: string) =>
  Effect.map(posts, (all) =>
    all.filter((m) => m.channelId === channelId && m.embeds[0]?.title === REPORT_TITLE),
  )

describe("the weekly report", () => {
  it.effect(
    "posted at start-up for the most recent report time, once across a restart, then at the next one",
    () =>
      onTwins(
        Effect.gen(function* () {
          yield* settle.pipe(Effect.provide(Features))
          const first = yield* reports(CHANNEL.monitor)
          expect(first).toHaveLength(1)
          expect(first[0]?.embeds[0]?.description).toContain("Week of September 29, 2025 – October 05, 2025")
          // The chart is attached, as a PNG, and shown in the embed.
          expect(first[0]?.sent.files?.map((f) => f.name)).toEqual([CHART_FILE_NAME])
          expect([...(first[0]?.sent.files?.[0]?.data.subarray(1, 4) ?? [])]).toEqual([0x50, 0x4e, 0x47])
          expect(first[0]?.embeds[0]?.image?.url).toBe(`attachment://${CHART_FILE_NAME}`)
          // A restart in the same week: nothing new.
          yield* settle.pipe(Effect.provide(Features))
          expect(yield* reports(CHANNEL.monitor)).toHaveLength(1)
          yield* Effect.gen(function* () {
            yield* TestClock.adjust(MONDAY_NEXT - T0 - MINUTE)
            yield* settle
            expect(yield* reports(CHANNEL.monitor)).toHaveLength(1)
            yield* TestClock.adjust(MINUTE)
            yield* settle
            const both = yield* reports(CHANNEL.monitor)
            expect(both).toHaveLength(2)
            expect(both[1]?.embeds[0]?.description).toContain("Week of October 06, 2025 – October 12, 2025")
          }).pipe(Effect.provide(WeeklyReports.Live))
        }),
        REPORTS_ON,
      ),
  )

  it.effect("two processes: one report", () =>
    onTwins(
      Effect.gen(function* () {
        yield* settle
        yield* TestClock.adjust(MINUTE)
        yield* settle
        expect(yield* reports(CHANNEL.monitor)).toHaveLength(1)
      }).pipe(Effect.provide(Layer.merge(WeeklyReports.Live, Layer.fresh(WeeklyReports.Live)))),
      REPORTS_ON,
    ),
  )

  it.effect(
    "a post Discord refuses for a while is tried again and posted once, in the configured channel",
    () =>
      onTwins(
        Effect.gen(function* () {
          const discord = yield* DiscordMemory
          yield* discord.fail("post", { status: 500 }, { target: CHANNEL.support, times: 6 })
          yield* Effect.gen(function* () {
            for (let i = 0; i < 12; i++) {
              yield* settle
              yield* TestClock.adjust("5 seconds")
            }
            yield* settle
            expect(yield* reports(CHANNEL.support)).toHaveLength(1)
            expect(yield* reports(CHANNEL.monitor)).toHaveLength(0)
          }).pipe(Effect.provide(WeeklyReports.Live))
        }),
        {
          env: {
            BOT_WEEKLY_REPORT_ENABLED: "true",
            BOT_WEEKLY_REPORT_CHANNEL_IDS: JSON.stringify([CHANNEL.support]),
          },
        },
      ),
  )
})

const metrics = (
  options: Record<string, string | number>,
  roleIds: ReadonlyArray<string>,
  subcommand: "report" | "export" = "report",
  attachmentLimitBytes?: number,
) =>
  Effect.flatMap(DiscordMemory, (d) =>
    d.command({
      name: "metrics",
      subcommand,
      ...(attachmentLimitBytes === undefined ? {} : { attachmentLimitBytes }),
      options,
      userId: USER.crt1,
      roleIds,
      guildId: GUILD,
      channelId: CHANNEL.crisis,
    }),
  )

describe("/metrics report", () => {
  it.effect(
    "the CRT's report for the days asked, seen only by who asked; refused to others and for a range that makes no sense",
    () =>
      withBot(
        Effect.gen(function* () {
          const alert = yield* alertFor(yield* say("high", { from: USER.sky }))
          yield* TestClock.adjust(2 * MINUTE)
          yield* press(alert, "Acknowledge", USER.crt2)
          yield* editedTo(alert, "the acknowledgement", (m) => statusOf(m).includes("Acknowledged"))
          const asked = yield* metrics({ days: 3 }, [ROLE.crt])
          const answers = yield* answered(asked.interaction, "the report", (a) => a._tag === "editOriginal")
          expect(answers[0]).toEqual({ _tag: "deferReply", ephemeral: true })
          const edit = answers.find((a) => a._tag === "editOriginal")
          const embed = edit?._tag === "editOriginal" ? edit.edit.embeds[0] : undefined
          expect(embed?.title).toBe(RANGE_REPORT_TITLE)
          expect(embed?.description).toContain("October 07, 2025 – October 09, 2025 (3 days)")
          expect(edit?._tag === "editOriginal" && edit.edit.files?.map((f) => f.name)).toEqual([
            CHART_FILE_NAME,
          ])
          expect(embed?.image?.url).toBe(`attachment://${CHART_FILE_NAME}`)
          const summary = embed?.fields.find((f) => f.name === "📈 Alert Summary")?.value ?? ""
          expect(summary).toContain("Total alerts: **1**")
          const times = embed?.fields.find((f) => f.name === "⏱️ Response Times")?.value ?? ""
          expect(times).toContain("**Time to acknowledge** (n = 1)\navg 2m")
          const other = yield* metrics({}, [])
          expect(yield* ephemeralText(other.interaction)).toBe(REPLIES.commandNotCrt)
          const wrong = yield* metrics({ from: "2025-10-09", to: "2025-10-01" }, [ROLE.crt])
          expect(yield* ephemeralText(wrong.interaction)).toContain("must not be after")
        }),
      ),
  )
})

/** A CRT member's `/metrics export`, and the deferred answer it was given. */
const exportAnswer = (options: Record<string, string | number>, attachmentLimitBytes?: number) =>
  Effect.gen(function* () {
    const asked = yield* metrics(options, [ROLE.crt], "export", attachmentLimitBytes)
    const answers = yield* answered(asked.interaction, "the export", (a) => a._tag === "editOriginal")
    const edit = answers.find((a) => a._tag === "editOriginal")
    if (edit?._tag !== "editOriginal") throw new Error("no answer to the export")
    return edit.edit
  })

const KEY = { env: { BOT_EXPORT_PSEUDONYM_KEY: "a-long-enough-test-key-0123456789" } }

describe("/metrics export", () => {
  it.effect(
    "one row per alert as CSV or JSON for the CRT: no message text, no raw id of the member or the responder",
    () =>
      withBot(
        Effect.gen(function* () {
          const text = "zephyr quandary marmalade: words nobody but the CRT should read"
          const alert = yield* alertFor(yield* say("high", { from: USER.sky, text }))
          yield* TestClock.adjust(2 * MINUTE)
          yield* press(alert, "Acknowledge", USER.crt2)
          yield* editedTo(alert, "the acknowledgement", (m) => statusOf(m).includes("Acknowledged"))
          const fileOf = (format: string) =>
            Effect.gen(function* () {
              const edit = yield* exportAnswer({ format, days: 2 })
              const [file] = edit.files ?? []
              return { content: edit.content ?? "", file, data: new TextDecoder().decode(file?.data) }
            })
          const csv = yield* fileOf("csv")
          expect(csv.file?.name).toBe("crt-alerts-2025-10-08-to-2025-10-09.csv")
          expect(csv.content).toContain("1 alert from 2025-10-08 to 2025-10-09, as CSV")
          const [header, row] = csv.data.trim().split("\n")
          const cells = Object.fromEntries((header ?? "").split(",").map((c, i) => [c, row?.split(",")[i]]))
          expect(cells.severity).toBe("high")
          expect(cells.acknowledged_after_ms).toBe("120000")
          expect(cells.member).toMatch(/^p_[0-9a-f]{16}$/)
          expect(cells.acknowledged_by).toMatch(/^p_[0-9a-f]{16}$/)
          expect(cells.alert_id).toMatch(/^a_[0-9a-f]{16}$/)
          const json = yield* fileOf("json")
          const [record] = JSON.parse(json.data) as ReadonlyArray<Record<string, unknown>>
          // The same person is the same pseudonym in both files.
          expect(record?.member).toBe(cells.member)
          for (const file of [csv.data, json.data]) {
            for (const id of [USER.sky, USER.crt2, alert.messageId, alert.channelId, CHANNEL.general, GUILD])
              expect(file).not.toContain(id)
            for (const word of ["zephyr", "quandary", "marmalade", "nobody"]) expect(file).not.toContain(word)
            expect(file).not.toMatch(/alert_[0-9a-f]{12}/)
          }
          // A range reaching back before the alert records' retention says so.
          const old = yield* exportAnswer({ format: "csv", from: "2025-06-01", to: "2025-10-09" })
          expect(old.content).toContain("the file has none before 2025-07-12")
          // Beyond what this server takes as an attachment: said, and no file.
          const refusal = yield* exportAnswer({ format: "csv", days: 2 }, 200)
          expect(refusal.content).toContain("larger than Discord takes")
          expect(refusal.files).toBeUndefined()
          // A file beyond the attachment limit is not built (and so never held whole).
          const pseudonym = (id: string) => `p_${id.length}`
          const whole = yield* exportFile("2025-10-08", 2, "csv", pseudonym)
          const size = Option.match(whole, { onNone: () => 0, onSome: (f) => f.data.length })
          expect(Option.map(whole, (f) => f.rows)).toEqual(Option.some(1))
          expect(Option.isSome(yield* exportFile("2025-10-08", 2, "csv", pseudonym, size))).toBe(true)
          expect(Option.isNone(yield* exportFile("2025-10-08", 2, "csv", pseudonym, size - 1))).toBe(true)
        }),
        KEY,
      ),
  )

  it.effect(
    "refused with a clear reply when no pseudonym key is set, and to a member without a CRT role",
    () =>
      withBot(
        Effect.gen(function* () {
          const asked = yield* metrics({ format: "csv" }, [ROLE.crt], "export")
          expect(yield* ephemeralText(asked.interaction)).toBe(REPLIES.exportNoKey)
          const member = yield* metrics({ format: "csv" }, [], "export")
          expect(yield* ephemeralText(member.interaction)).toBe(REPLIES.commandNotCrt)
        }),
      ),
  )
})
