/**
 * The weekly report on the Discord wire, with a real Redis: a report time that has just passed is
 * reported at start-up, once, however many processes start and restart.
 */
import { describe, expect, it } from "vitest"
import { WEEKDAYS } from "../../src/core/ReportSchedule.js"
import { RANGE_REPORT_TITLE, REPORT_TITLE } from "../../src/core/WeeklyReport.js"
import { CHART_FILE_NAME } from "../../src/shell/ReportChartImage.js"
import { ephemeralText, waitFor } from "./helpers.js"
import { CHANNEL, USER, worldForFile } from "./world.js"

// The report is due at the start of the current hour, today (UTC): it has just passed.
const now = new Date()
const REPORT_NOW = {
  BOT_WEEKLY_REPORT_ENABLED: "true",
  BOT_WEEKLY_REPORT_DAY: WEEKDAYS[now.getUTCDay()] ?? "monday",
  BOT_WEEKLY_REPORT_HOUR: String(now.getUTCHours()),
  BOT_WEEKLY_REPORT_TIMEZONE: "UTC",
}
const file = worldForFile(REPORT_NOW)

const reports = () =>
  file.world.discord
    .messages(CHANNEL.monitor)
    .filter((m) => m.author.id === file.world.discord.botUser.id && m.embeds[0]?.title === REPORT_TITLE)

describe("the weekly report", () => {
  it("posted at start-up for a report time just passed, once across a second process and a restart", async () => {
    const [report] = await waitFor("the report", () => (reports().length > 0 ? reports() : undefined), 10_000)
    expect(report?.embeds[0]?.description).toMatch(/^Week of /)
    expect(report?.embeds[0]?.fields?.length).toBeGreaterThan(0)
    // The chart came as a PNG upload, and the embed shows it (Discord resolves attachment://).
    const [chart] = file.world.discord.files(report?.id ?? "")
    expect(chart?.attachment.filename).toBe(CHART_FILE_NAME)
    expect(
      Buffer.from(chart?.data ?? [])
        .subarray(0, 8)
        .toString("hex"),
    ).toBe("89504e470d0a1a0a")
    expect(report?.embeds[0]?.image?.url).toBe(chart?.attachment.url)
    const second = await file.world.startBot(REPORT_NOW)
    await file.restartBot()
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    await second.stop()
    expect(reports()).toHaveLength(1)
  })
})

describe("/metrics report on the wire", () => {
  it("a guild command for the CRT only: refused to a member, an ephemeral report for the CRT", async () => {
    const { discord } = file.world
    expect(discord.registeredCommands.map((c) => c.command.name)).toContain("metrics")
    const run = (userId: string, options: Record<string, string | number>) =>
      discord.runSlashCommand({
        name: "metrics",
        subcommand: "report",
        userId,
        channelId: CHANNEL.crisis,
        options,
      })
    expect(await ephemeralText(run(USER.bystander, {}))).toContain("Only members of the Crisis Response Team")
    const asked = run(USER.crt1, { days: 14 })
    const deferred = JSON.stringify(await asked.firstCallback)
    // Deferred as an ephemeral answer (flags 64): only who asked sees it.
    expect(deferred).toContain('"flags":64')
    const edit = JSON.stringify(await asked.waitForCall((c) => c.kind !== "callback", 5_000))
    expect(edit).toContain(RANGE_REPORT_TITLE)
    expect(edit).toContain("(14 days)")
    // The deferred answer, as it stands after the edit: the chart attached and shown.
    const answer = discord.message(asked.replies[0]?.id ?? "")
    expect(answer?.attachments.map((a) => a.filename)).toEqual([CHART_FILE_NAME])
    expect(answer?.embeds[0]?.image?.url).toBe(answer?.attachments[0]?.url)
  })
})
