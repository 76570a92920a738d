import { pingRolesFor } from "../../core/Dispatch.js"
import type { RenotifyReason } from "../../core/Lifecycle.js"
import type { OutgoingMessage } from "../../shell/discord/Discord.js"

const TEXT: Readonly<Record<RenotifyReason, string>> = {
  unacknowledged: "⏰ This alert is still unacknowledged. Can someone take it?",
  contact_failed: "⚠️ Ash could not reach the member. Please reach out personally.",
  opted_out: "👤 The member prefers human support. Please reach out personally.",
}

/** The reply that pings the CRT again on an alert. */
export const renotifyMessage = (
  reason: RenotifyReason,
  crtRoleIds: ReadonlyArray<string>,
): OutgoingMessage => {
  // A re-ping exists to wake people up, so every severity pings here, MEDIUM included.
  const roles = pingRolesFor("critical", crtRoleIds)
  return {
    content: `${roles.map((r) => `<@&${r}>`).join(" ")} ${TEXT[reason]}`.trim(),
    allowedMentions: { parse: [], roles, users: [], repliedUser: false },
  }
}
