import { readFileSync, writeFileSync } from "node:fs"
import { Schema } from "effect"
import type { Figures } from "./Figures.js"
import { round } from "./Figures.js"

/**
 * The second half of `npm run mutate`: reads Stryker's JSON report of the core's mutants and
 * writes `core.mutation_score` into bench/results.json, keeping every other figure.
 *
 * The figure is Stryker's `mutationScoreBasedOnCoveredCode`: detected mutants (Killed + Timeout)
 * over covered, valid mutants (Killed + Timeout + Survived), in percent. Mutants no test reaches
 * (NoCoverage) are listed but left out of that figure; mutants that do not compile
 * (CompileError), crash (RuntimeError) or are ignored do not count at all.
 */
const REPORT = process.argv[2] ?? "reports/mutation/mutation.json"
const RESULTS = "bench/results.json"

const Position = Schema.Struct({ line: Schema.Number, column: Schema.Number })

const Status = Schema.Literal(
  "Killed",
  "Survived",
  "NoCoverage",
  "Timeout",
  "CompileError",
  "RuntimeError",
  "Ignored",
  "Pending",
)
type Status = typeof Status.Type

const Mutant = Schema.Struct({
  mutatorName: Schema.String,
  replacement: Schema.optional(Schema.String),
  location: Schema.Struct({ start: Position, end: Position }),
  status: Status,
})
type Mutant = typeof Mutant.Type

const Report = Schema.Struct({
  files: Schema.Record({
    key: Schema.String,
    value: Schema.Struct({ source: Schema.String, mutants: Schema.Array(Mutant) }),
  }),
})

const StoredFigures = Schema.Record({
  key: Schema.String,
  value: Schema.Struct({ value: Schema.Number, unit: Schema.String }),
})

const report = Schema.decodeUnknownSync(Report)(JSON.parse(readFileSync(REPORT, "utf8")))

const counts: Record<Status, number> = {
  Killed: 0,
  Survived: 0,
  NoCoverage: 0,
  Timeout: 0,
  CompileError: 0,
  RuntimeError: 0,
  Ignored: 0,
  Pending: 0,
}
for (const file of Object.values(report.files)) {
  for (const mutant of file.mutants) counts[mutant.status] += 1
}

const detected = counts.Killed + counts.Timeout
const covered = detected + counts.Survived
if (counts.Pending > 0) throw new Error(`${REPORT}: ${counts.Pending} mutants were never run`)
if (covered === 0) throw new Error(`${REPORT}: no covered mutants, so no score`)
const score = round((100 * detected) / covered, 2)

/** The mutated source text, on one line, shortened. */
const original = (source: string, mutant: Mutant): string => {
  const lines = source.split("\n")
  const { start, end } = mutant.location
  const text =
    start.line === end.line
      ? (lines[start.line - 1] ?? "").slice(start.column - 1, end.column - 1)
      : `${(lines[start.line - 1] ?? "").slice(start.column - 1)} …`
  return oneLine(text)
}

const oneLine = (text: string, max = 80): string => {
  const flat = text.replace(/\s+/g, " ").trim()
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat
}

const byPosition = (a: Mutant, b: Mutant): number =>
  a.location.start.line - b.location.start.line || a.location.start.column - b.location.start.column

/** One line per mutant: `line:column Mutator: original → replacement`. */
const describe = (source: string, m: Mutant): string => {
  const replacement = m.replacement === undefined ? "" : ` → ${oneLine(m.replacement)}`
  return `${m.location.start.line}:${m.location.start.column} ${m.mutatorName}: ${original(source, m)}${replacement}`
}

const listed: ReadonlyArray<Status> = ["Survived", "NoCoverage"]
for (const status of listed) {
  if (counts[status] === 0) continue
  console.log(`\n${status} mutants:`)
  for (const [name, file] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
    const mutants = file.mutants.filter((m) => m.status === status).sort(byPosition)
    if (mutants.length === 0) continue
    console.log(`  ${name}`)
    for (const m of mutants) console.log(`    ${describe(file.source, m)}`)
  }
}

console.log(
  `\nmutants: ${counts.Killed} killed, ${counts.Timeout} timeout, ${counts.Survived} survived, ` +
    `${counts.NoCoverage} no coverage, ${counts.CompileError} compile error, ` +
    `${counts.RuntimeError} runtime error, ${counts.Ignored} ignored`,
)
console.log(`core.mutation_score (mutationScoreBasedOnCoveredCode): ${score} %`)

const previous: Figures = (() => {
  try {
    return Schema.decodeUnknownSync(StoredFigures)(JSON.parse(readFileSync(RESULTS, "utf8")))
  } catch {
    return {}
  }
})()
const figures: Figures = { ...previous, "core.mutation_score": { value: score, unit: "%" } }
writeFileSync(RESULTS, `${JSON.stringify(figures, null, 2)}\n`)
console.log(`written to ${RESULTS}`)
