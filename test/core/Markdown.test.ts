import { describe, expect, it } from "@effect/vitest"
import {
  codeBlock,
  escapeInline,
  escapePlain,
  fitMapped,
  titleCase,
  truncateCodePoints,
  ZWSP,
} from "../../src/core/Markdown.js"

describe("escapeInline", () => {
  it("escapes every character Discord markdown gives a meaning to", () => {
    expect(escapeInline("\\*_~|>#[]()`", 100)).toBe("\\\\\\*\\_\\~\\|\\>\\#\\[\\]\\(\\)\\`")
    expect(escapeInline("plain text, 42!", 100)).toBe("plain text, 42!")
  })

  it("turns line breaks and other controls into spaces, and breaks every mention", () => {
    expect(escapeInline("a\nb\tc\u2028d", 100)).toBe("a b c d")
    expect(escapeInline("@everyone <@123>", 100)).toBe(`@${ZWSP}everyone <${ZWSP}@${ZWSP}123\\>`)
  })

  it("cuts after escaping, never inside an escape, and marks the cut", () => {
    expect(escapeInline("abcdef", 6)).toBe("abcdef")
    expect(escapeInline("abcdefg", 6)).toBe("abcde…")
    expect(escapeInline("ab*cd", 4)).toBe("ab…")
    expect(escapeInline("abc", 0)).toBe("…")
  })
})

describe("escapePlain", () => {
  it("leaves markdown alone where it is not rendered, but still breaks mentions and lines", () => {
    expect(escapePlain("*River* @here\nx", 100)).toBe(`*River* @${ZWSP}here x`)
  })
})

describe("fitMapped", () => {
  it("fits the budget exactly, with any ellipsis", () => {
    const same = (cp: string) => cp
    expect(fitMapped("abcdef", 5, same, "..")).toBe("abc..")
    expect(fitMapped("abcde", 5, same, "..")).toBe("abcde")
    expect(fitMapped("ab", 1, same, "...")).toBe("...")
    expect(fitMapped("😀😀😀", 5, same)).toBe("😀😀…")
    expect(fitMapped("😀😀😀", 4, same)).toBe("😀…")
  })
})

describe("codeBlock", () => {
  it("fences the text so that no backticks inside can close it", () => {
    expect(codeBlock("a ``` b")).toBe(`\`\`\`\na \`${ZWSP}\`${ZWSP}\`${ZWSP} b\n\`\`\``)
    expect(codeBlock("")).toBe("```\n\n```")
  })
})

describe("truncateCodePoints", () => {
  it("cuts at code points and adds the suffix only when it cuts", () => {
    expect(truncateCodePoints("abc", 3, "...")).toBe("abc")
    expect(truncateCodePoints("abcd", 3, "...")).toBe("abc...")
    expect(truncateCodePoints("😀😀", 1, "")).toBe("😀")
  })
})

describe("titleCase", () => {
  it("turns NLP labels into words", () => {
    expect(titleCase("immediate_outreach")).toBe("Immediate Outreach")
    expect(titleCase("PRIORITY response")).toBe("Priority Response")
    expect(titleCase("")).toBe("")
  })
})
