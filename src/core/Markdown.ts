/**
 * Quoting untrusted text (member messages, display names, NLP strings) in Discord markdown so it
 * cannot change the layout or mention anyone. Every escape works per code point, so a text can
 * be cut to a length after escaping without ever splitting an escape or a surrogate pair.
 */

/** Zero-width space: invisible, and breaks mentions and fences without changing what is shown. */
export const ZWSP = "\u200b"

// Characters Discord markdown gives a meaning to outside code blocks.
const MARKDOWN = new Set(["\\", "*", "_", "~", "|", ">", "#", "[", "]", "(", ")", "`"])

// Line breaks and other controls that would let a one-line value forge extra lines (fake bullets).
const CONTROL = /[\p{Cc}\u2028\u2029]/u

/** Neutralises `@everyone`, `@here`, `<@id>`, `<@&id>`, `<#id>`, `<t:…>` and custom emoji. */
const unmention = (cp: string): string => (cp === "@" || cp === "<" ? cp + ZWSP : cp)

/** One code point of text shown as-is outside a code block. */
export const escapeMarkdownChar = (cp: string): string => {
  if (CONTROL.test(cp)) return " "
  if (MARKDOWN.has(cp)) return `\\${cp}`
  return unmention(cp)
}

/** One code point of text where markdown is not rendered (author name, footer): only unmention. */
export const plainChar = (cp: string): string => (CONTROL.test(cp) ? " " : unmention(cp))

/** One code point inside a ``` block: no two backticks may touch, so no fence can form. */
export const codeBlockChar = (cp: string): string => (cp === "`" ? `\`${ZWSP}` : cp)

/**
 * `raw` mapped code point by code point, cut so the result is at most `max` UTF-16 units
 * (Discord's limits are at most that strict), ending with `ellipsis` when cut.
 */
export const fitMapped = (raw: string, max: number, map: (cp: string) => string, ellipsis = "…"): string => {
  const pieces = Array.from(raw, map)
  let total = 0
  for (const piece of pieces) total += piece.length
  if (total <= max) return pieces.join("")
  const budget = Math.max(0, max - ellipsis.length)
  let out = ""
  for (const piece of pieces) {
    if (out.length + piece.length > budget) break
    out += piece
  }
  return out + ellipsis
}

/** Untrusted text for a field value or title: markdown escaped, one line, at most `max` units. */
export const escapeInline = (raw: string, max: number): string => fitMapped(raw, max, escapeMarkdownChar)

/** Untrusted text for a place that shows text as-is, at most `max` units. */
export const escapePlain = (raw: string, max: number): string => fitMapped(raw, max, plainChar)

/** The first `max` code points of `raw` and `suffix` when anything was cut. */
export const truncateCodePoints = (raw: string, max: number, suffix: string): string => {
  const cps = Array.from(raw)
  return cps.length <= max ? raw : cps.slice(0, max).join("") + suffix
}

/** `raw` in a fenced code block that nothing inside can close. */
export const codeBlock = (raw: string): string => `\`\`\`\n${Array.from(raw, codeBlockChar).join("")}\n\`\`\``

/** `snake_case_words` as `Snake Case Words` (the seeds' formatting of NLP labels). */
export const titleCase = (raw: string): string =>
  raw
    .replaceAll("_", " ")
    .split(" ")
    .map((word) => {
      const [first = "", ...rest] = Array.from(word)
      return first.toUpperCase() + rest.join("").toLowerCase()
    })
    .join(" ")
