import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { pathToFileURL } from "node:url"
import { Either } from "effect"
import { describe, expect, inject, it } from "vitest"
import { parseReportArgs } from "../../src/app/reports/ReportCli.js"
import { uniquePrefix } from "../support/redis.js"

const tsx = pathToFileURL(join(process.cwd(), "node_modules/tsx/dist/loader.mjs")).href
const cli = join(process.cwd(), "src/app/reports/ReportCli.ts")

const runCli = (args: ReadonlyArray<string>) =>
  spawnSync(process.execPath, ["--import", tsx, cli, ...args], {
    env: {
      PATH: process.env.PATH ?? "",
      BOT_REDIS_URL: inject("redisUrl"),
      BOT_REDIS_KEY_PREFIX: uniquePrefix("report-cli"),
    },
    encoding: "utf8",
    timeout: 60_000,
  })

describe("npm run report", () => {
  it("reads a week or a range; says what is wrong with bad arguments", () => {
    expect(parseReportArgs(["--week", "2026-W47"])).toEqual(
      Either.right({ firstDay: "2026-11-16", days: 7, format: "text", chart: undefined }),
    )
    expect(parseReportArgs(["--from", "2026-11-01", "--to", "2026-11-28", "--format", "csv"])).toEqual(
      Either.right({ firstDay: "2026-11-01", days: 28, format: "csv", chart: undefined }),
    )
    expect(parseReportArgs(["--week", "2026-W47", "--chart", "week.png"])).toEqual(
      Either.right({ firstDay: "2026-11-16", days: 7, format: "text", chart: "week.png" }),
    )
    expect(parseReportArgs(["--help"])).toEqual(Either.right("help"))
    const refused = (args: ReadonlyArray<string>) => {
      const parsed = parseReportArgs(args)
      return Either.isLeft(parsed) ? parsed.left : "accepted"
    }
    expect(refused([])).toContain("give --week")
    expect(refused(["--week", "2026-W60"])).toContain("ISO week like 2026-W47")
    expect(refused(["--week", "2026-W47", "--from", "2026-11-01"])).toContain("not both")
    expect(refused(["--from", "2026-11-10", "--to", "2026-11-01"])).toContain("must not be after")
    expect(refused(["--week", "2026-W47", "--format", "xml"])).toContain("text, json or csv")
    expect(refused(["--weeks", "2026-W47"])).toContain("--weeks")
    expect(refused(["--week", "2026-W47", "--chart", "week.svg"])).toContain("a .png file")
  })

  it("prints the week's numbers from Redis; exits 2 naming the problem for bad arguments", () => {
    const json = runCli(["--week", "2026-W47", "--format", "json"])
    expect(json.stderr).toBe("")
    expect(json.status).toBe(0)
    expect(JSON.parse(json.stdout)).toMatchObject({
      first_day: "2026-11-16",
      last_day: "2026-11-22",
      total_alerts: 0,
    })
    const chart = join(mkdtempSync(join(tmpdir(), "ash-report-")), "week.png")
    const text = runCli(["--week", "2026-W47", "--chart", chart])
    expect(text.stdout).toContain("Week of November 16, 2026 – November 22, 2026")
    expect(readFileSync(chart).subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a")
    rmSync(dirname(chart), { recursive: true, force: true })
    const bad = runCli(["--week", "soon"])
    expect(bad.status).toBe(2)
    expect(bad.stderr).toContain("--week is an ISO week like 2026-W47, not soon")
    expect(bad.stderr).toContain("Usage: npm run report")
  })
})
