/**
 * The weekly report on the Discord wire, with a real Redis: a report time that has just passed is
 * reported at start-up, once, however many processes start and restart.
 */
import { describe, expect, it } from "vitest"
import { WEEKDAYS } from "../../src/core/ReportSchedule.js"
import { RANGE_REPORT_TITLE, REPORT_TITLE } from "../../src/core/WeeklyReport.js"
import { CHART_FILE_NAME } from "../../src/shell/ReportChartImage.js"
import { alertFor, customIdOf, ephemeralText, say, statusOf, waitFor } from "./helpers.js"
import { CHANNEL, USER, worldForFile } from "./world.js"

// The report is due at the start of the current hour, today (UTC): it has just passed.
const now = new Date()
const REPORT_NOW = {
  BOT_WEEKLY_REPORT_ENABLED: "true",
  BOT_WEEKLY_REPORT_DAY: WEEKDAYS[now.getUTCDay()] ?? "monday",
  BOT_WEEKLY_REPORT_HOUR: String(now.getUTCHours()),
  BOT_WEEKLY_REPORT_TIMEZONE: "UTC",
  BOT_EXPORT_PSEUDONYM_KEY: "e2e-pseudonym-key-0123456789abcdef",
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

describe("/metrics export on the wire", () => {
  it("an ephemeral CSV of today's alerts: pseudonyms for people, no message text, no raw id", async () => {
    const { world } = file
    const text = "zephyr quandary marmalade, words for the CRT alone"
    const source = say(world, "high", { userId: USER.quinn, channelId: CHANNEL.general, text })
    const alert = await alertFor(world, CHANNEL.crisis, source.id)
    world.discord.clickButton({
      messageId: alert.id,
      customId: customIdOf(alert, "Acknowledge"),
      userId: USER.crt2,
    })
    await world.discord.waitForEdit(alert.id, (m) => statusOf(m).includes("Acknowledged"), 5_000)
    const asked = world.discord.runSlashCommand({
      name: "metrics",
      subcommand: "export",
      userId: USER.crt1,
      channelId: CHANNEL.crisis,
      options: { format: "csv", days: 1 },
    })
    expect(JSON.stringify(await asked.firstCallback)).toContain('"flags":64')
    await asked.waitForCall((c) => c.kind !== "callback", 10_000)
    const answer = await waitFor("the export's answer", () => {
      const m = world.discord.message(asked.replies[0]?.id ?? "")
      return m !== undefined && m.attachments.length > 0 ? m : undefined
    })
    expect(answer.content).toContain("as CSV")
    const [upload] = world.discord.files(answer.id)
    expect(upload?.attachment.filename).toMatch(/^crt-alerts-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.csv$/)
    const csv = new TextDecoder().decode(upload?.data)
    const [header, ...rows] = csv.trim().split("\n")
    const columns = (header ?? "").split(",")
    const row = rows.find((r) => r.includes(",high,")) ?? ""
    expect(row.split(",")[columns.indexOf("member")]).toMatch(/^p_[0-9a-f]{16}$/)
    expect(row.split(",")[columns.indexOf("acknowledged_by")]).toMatch(/^p_[0-9a-f]{16}$/)
    for (const id of [...Object.values(USER), source.id, alert.id, CHANNEL.general, CHANNEL.crisis])
      expect(csv).not.toContain(id)
    for (const word of ["zephyr", "quandary", "marmalade"]) expect(csv).not.toContain(word)
    // Nor the alert's id, which its buttons carry on the message that names the member.
    expect(csv).not.toMatch(/alert_[0-9a-f]{12}/)
  })
})
