import { execSync } from "node:child_process"
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { contactBenchmarks } from "./contact.js"
import { coreBenchmarks } from "./core.js"
import { discordBenchmarks } from "./discord.js"
import { type Figures, verdict } from "./Figures.js"
import { relayBenchmarks } from "./relay.js"
import { reportBenchmarks } from "./report.js"
import { storeBenchmarks } from "./store.js"

/**
 * `npm run bench`: every benchmark in one run, side by side, written to bench/results.json and
 * docs/benchmarks.md. `npm run bench -- core` runs only the named groups.
 */
const groups: Record<string, () => Figures | Promise<Figures>> = {
  core: coreBenchmarks,
  store: storeBenchmarks,
  discord: () => {
    execSync("npm run build --silent", { stdio: "inherit" })
    return discordBenchmarks()
  },
  contact: () => {
    execSync("npm run build --silent", { stdio: "inherit" })
    return contactBenchmarks()
  },
  relay: () => {
    execSync("npm run build --silent", { stdio: "inherit" })
    return relayBenchmarks()
  },
  report: reportBenchmarks,
}

const ratio = (figures: Figures, a: string, b: string): string => {
  const x = figures[a]?.value
  const y = figures[b]?.value
  return x === undefined || y === undefined || y === 0 ? "n/a" : (x / y).toFixed(2)
}

const targets: ReadonlyArray<readonly [string, (f: Figures) => string]> = [
  ["core.transitions_per_sec ≥ 1,000,000", (f) => String(f["core.transitions_per_sec"]?.value ?? "n/a")],
  [
    "core.summary_ms_100k_alerts / core.summary_ms_1k_alerts ≤ 1.5",
    (f) => ratio(f, "core.summary_ms_100k_alerts", "core.summary_ms_1k_alerts"),
  ],
  ["store.roundtrips_per_event ≤ 2", (f) => String(f["store.roundtrips_per_event"]?.value ?? "n/a")],
  ["store.events_per_sec ≥ 10,000", (f) => String(f["store.events_per_sec"]?.value ?? "n/a")],
  [
    "store.events_per_sec / redis.raw_set_per_sec",
    (f) => ratio(f, "store.events_per_sec", "redis.raw_set_per_sec"),
  ],
  [
    "store.summary_ms_100k_alerts / store.summary_ms_1k_alerts ≤ 1.5",
    (f) => ratio(f, "store.summary_ms_100k_alerts", "store.summary_ms_1k_alerts"),
  ],
  ["intake.msgs_per_sec ≥ 1,000", (f) => String(f["intake.msgs_per_sec"]?.value ?? "n/a")],
  ["intake.alert_latency_p99_ms ≤ 50", (f) => String(f["intake.alert_latency_p99_ms"]?.value ?? "n/a")],
  [
    "interaction.ack_latency_p99_ms ≤ 100",
    (f) => String(f["interaction.ack_latency_p99_ms"]?.value ?? "n/a"),
  ],
  ["timers.fire_lag_p99_ms ≤ 1,000", (f) => String(f["timers.fire_lag_p99_ms"]?.value ?? "n/a")],
  ["timers.duplicate_contacts = 0", (f) => String(f["timers.duplicate_contacts"]?.value ?? "n/a")],
  [
    "relay.member_to_thread_p99_ms − relay.discord_echo_p99_ms ≤ 100",
    (f) => String(f["relay.member_to_thread_p99_beyond_discord_ms"]?.value ?? "n/a"),
  ],
  [
    "relay.thread_to_member_p99_ms − relay.discord_echo_p99_ms ≤ 100",
    (f) => String(f["relay.thread_to_member_p99_beyond_discord_ms"]?.value ?? "n/a"),
  ],
  ["lookup.roundtrips_per_message ≤ 1", (f) => String(f["lookup.roundtrips_per_message"]?.value ?? "n/a")],
  [
    "report.week_ms_100k_alerts / report.week_ms_1k_alerts ≤ 1.5",
    (f) => ratio(f, "report.week_ms_100k_alerts", "report.week_ms_1k_alerts"),
  ],
  ["report.chart_ms", (f) => String(f["report.chart_ms"]?.value ?? "n/a")],
  ["export.rows_per_sec (100k alerts)", (f) => String(f["export.rows_per_sec"]?.value ?? "n/a")],
  [
    "export RSS growth: 100k alerts vs two days' rows; 100k with a 48 MB heap",
    (f) =>
      `${f["export.rss_growth_mb_100k_alerts"]?.value ?? "n/a"} MB (${f["export.rss_growth_pct_100k_alerts"]?.value ?? "n/a"} %) vs ${f["export.rss_growth_mb_two_days"]?.value ?? "n/a"} MB for ${f["export.rows_two_days"]?.value ?? "n/a"} rows; ${f["export.rss_growth_mb_100k_alerts_heap_48mb"]?.value ?? "n/a"} MB capped`,
  ],
  [
    "intake.rss_growth_pct_100k_msgs ≤ 10",
    (f) => String(f["intake.rss_growth_pct_100k_msgs"]?.value ?? "n/a"),
  ],
]

const main = async () => {
  const wanted = process.argv.slice(2)
  const previous: Figures = (() => {
    try {
      return JSON.parse(readFileSync("bench/results.json", "utf8")) as Figures
    } catch {
      return {}
    }
  })()
  const figures: Figures = { ...previous }
  for (const [name, run] of Object.entries(groups)) {
    if (wanted.length > 0 && !wanted.includes(name)) continue
    console.log(`running ${name} benchmarks…`)
    Object.assign(figures, await run())
  }
  mkdirSync("bench", { recursive: true })
  writeFileSync("bench/results.json", `${JSON.stringify(figures, null, 2)}\n`)
  const rows = Object.entries(figures).map(([name, f]) => `| \`${name}\` | ${f.value} | ${f.unit} |`)
  const checks = targets.map(([label, value]) => {
    const measured = value(figures)
    return `| ${label} | ${measured} | ${verdict(label, measured)} |`
  })
  const table = ["| figure | value | unit |", "|---|---|---|", ...rows].join("\n")
  console.log(table)
  console.log(["", "| target | measured | met |", "|---|---|---|", ...checks].join("\n"))
  writeFileSync(
    "docs/benchmarks.md",
    `# Benchmarks

Latest figures from \`npm run bench\` (written by \`bench/run.ts\`; raw values in
\`bench/results.json\`). Every figure of one run is measured on the same machine in the same
process, so the ratios compare like with like. Machine: 2 cores, Node.js ${process.version}.

${table}

## Targets and side-by-side ratios

| target | measured | met |
|---|---|---|
${checks.join("\n")}

## What each figure measures

- \`core.transitions_per_sec\`: pure lifecycle transitions (acknowledge → Ash contact requested →
  contact made → first response → resolve) over 2,000 alerts, median of 5 runs.
- \`core.summary_ms_*\`: the weekly summary computed from 14 daily aggregates holding 1k vs 100k
  alerts (median of 201 runs). It reads aggregates, never alerts, so both take the same time.
- \`store.events_per_sec\`: lifecycle events applied through the Redis AlertStore by 64 concurrent
  lifecycles over one connection (each event: one read, one compare-and-set script).
- \`store.roundtrips_per_event\`: client-issued commands per event (HGETALL, EVALSHA/EVAL, GET) from
  Redis \`INFO commandstats\` before and after.
- \`redis.raw_set_per_sec\`: plain SETs through the same client at the same concurrency — the
  machine's ceiling, for the ratio above.
- \`store.summary_ms_*\`: 14 daily hashes read from Redis in one pipeline, decoded and summarised.
- \`intake.*\`, \`interaction.*\`: the built bot (\`node dist/app/main.js\`) in its own process
  against the loopback Discord emulator, the NLP stand-in (instant replies) and a private
  redis-server; the emulator and the stand-in share the same 2 cores. Throughput: 100,000
  ordinary messages in chunks of 5,000 (after a 5,000-message warm-up), each timed until the NLP
  has seen all of it. Alert latency: member message sent → alert message received by the
  emulator, 200 HIGH messages one at a time, ten a second (each acknowledged, about 30 REST calls
  a second: under the 50 a second discord.js allows itself, as Discord does), after 5 warm-up
  alerts. Ack latency: button click →
  first interaction callback. RSS growth: the bot process's resident memory at the end of the
  100,000 messages against the start (each the median of three samples, as the garbage collector
  swings it by about 15 %).
- \`timers.*\`: automatic contact with two bot processes (\`node dist/app/main.js\` twice) sharing
  one Redis timer set, against the emulator: 1,000 HIGH alerts, ten a second, each due for Ash's
  automatic DM 3 s after it was posted (\`BOT_AUTO_INITIATE_DELAY_MINUTES_HIGH=0.05\`, the default
  250 ms poll). Lag: the DM's timestamp minus (the alert message's timestamp + 3 s) — it includes
  the milliseconds between posting an alert and recording it, so it is an upper bound.
  \`timers.duplicate_contacts\`: members DMed more than once (each timer is claimed by one process).
- \`lookup.*\`: whether a CRT member's message is a first response — \`ResponseIndex.lookup\` for a
  message in some channel replying to one member and mentioning another, against 10,000 watched
  members and 1,000 support threads in a private redis-server, 5,000 lookups 16 at a time. Round
  trips per message: every command the client issued (\`INFO commandstats\`) divided by the lookups.
- \`report.week_ms_*\`: the weekly report's numbers (\`reportOf\`: the 14 days' counter hashes
  read in two pipelines, summarised, the embed rendered) of a week of 1k vs 100k alerts written as
  the bot writes them, in a private redis-server, median of 51 runs. The per-hour histograms, read
  only for the chart (a hash of their own per day), are not part of it. \`report.chart_ms\`: the chart PNG of the 100k
  week (ECharts SVG, then resvg), median of 11.
- \`export.*\`: \`/metrics export\`'s stream (a day's index, then 500 records a page, decoded,
  pseudonymised, written as CSV) over all 100k alerts, in a process of its own so that its memory
  is the export's: rows per second, the CSV's size, and the resident memory at its peak against
  the start; beside it the same over two days' rows, and all 100k again with V8's old heap capped
  at 48 MB (a process that kept the rows could not finish).
`,
  )
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
