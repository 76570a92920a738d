import { describe, expect, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { isAbove, isAtLeast, Severity } from "../../src/core/Severity.js"

describe("Severity", () => {
  it("orders safe < low < medium < high < critical", () => {
    expect(isAbove("critical", "high")).toBe(true)
    expect(isAbove("medium", "medium")).toBe(false)
    expect(isAtLeast("medium", "medium")).toBe(true)
    expect(isAtLeast("low", "medium")).toBe(false)
  })

  it("decodes only the five known severities", () => {
    expect(Either.isRight(Schema.decodeUnknownEither(Severity)("high"))).toBe(true)
    expect(Either.isLeft(Schema.decodeUnknownEither(Severity)("HIGH"))).toBe(true)
    expect(Either.isLeft(Schema.decodeUnknownEither(Severity)(3))).toBe(true)
  })
})
