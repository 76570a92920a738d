import { describe, expect, it } from "vitest"
import { matchResponse, responseCandidates, type SeenMessage } from "../../src/core/FirstResponse.js"
import { alertId } from "../support/alerts.js"

const CRT = "910000000000000001"
const MEMBER = "940000000000000001"
const SOURCE = "920000000000000001"

const message = (more: Partial<SeenMessage> = {}): SeenMessage => ({
  channelId: SOURCE,
  parentChannelId: null,
  authorId: "950000000000000001",
  authorIsBot: false,
  authorRoleIds: [CRT],
  repliedToUserId: null,
  mentionedUserIds: [],
  ...more,
})

const watched = new Map([[MEMBER, { alertId: alertId(1), sourceChannelId: SOURCE }]])
const noThread = { thread: null, members: watched }

describe("what a message is looked up for", () => {
  it("only a CRT member's message, never a bot's", () => {
    expect(responseCandidates(message({ authorRoleIds: ["1"] }), [CRT])).toBeNull()
    expect(responseCandidates(message({ authorIsBot: true }), [CRT])).toBeNull()
    expect(responseCandidates(message(), [])).toBeNull()
    expect(responseCandidates(message(), [CRT])).toEqual({ threadId: SOURCE, memberIds: [] })
    // A CRT member with other roles too is still a CRT member.
    expect(responseCandidates(message({ authorRoleIds: ["1", CRT] }), [CRT])).not.toBeNull()
  })

  it("the replied-to member first, then the mentioned ones, each once, never the author", () => {
    const m = message({ repliedToUserId: MEMBER, mentionedUserIds: ["2", MEMBER, "950000000000000001"] })
    expect(responseCandidates(m, [CRT])?.memberIds).toEqual([MEMBER, "2"])
  })
})

describe("which alert a message answers", () => {
  it("a message in the member's support thread", () => {
    const m = message({ channelId: "999", parentChannelId: "998" })
    expect(matchResponse(m, { thread: alertId(5), members: new Map() })).toEqual({
      alertId: alertId(5),
      detection: "thread_message",
    })
  })

  it("a reply to the member in the source channel, or in a thread of it", () => {
    expect(matchResponse(message({ repliedToUserId: MEMBER }), noThread)).toEqual({
      alertId: alertId(1),
      detection: "source_reply",
    })
    const inThread = message({ channelId: "777", parentChannelId: SOURCE, repliedToUserId: MEMBER })
    expect(matchResponse(inThread, noThread)?.detection).toBe("source_reply")
  })

  it("a mention of the member in the source channel", () => {
    expect(matchResponse(message({ mentionedUserIds: ["3", MEMBER] }), noThread)).toEqual({
      alertId: alertId(1),
      detection: "source_mention",
    })
  })

  it("nothing elsewhere, nothing for members without an open alert, nothing addressed to oneself", () => {
    expect(matchResponse(message({ channelId: "555", repliedToUserId: MEMBER }), noThread)).toBeNull()
    expect(matchResponse(message({ repliedToUserId: "3", mentionedUserIds: ["4"] }), noThread)).toBeNull()
    expect(matchResponse(message(), noThread)).toBeNull()
    const self = message({ authorId: MEMBER, repliedToUserId: MEMBER, mentionedUserIds: [MEMBER] })
    expect(matchResponse(self, noThread)).toBeNull()
  })
})
