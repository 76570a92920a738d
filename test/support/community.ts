/** The community the tests play in: its roles and channels, the same for the twins and the emulator. */
export const ROLE = { crt: "910000000000000001", member: "910000000000000002" } as const

export const CHANNEL = {
  general: "920000000000000001",
  vent: "920000000000000002",
  offTopic: "920000000000000003",
  monitor: "930000000000000001",
  crisis: "930000000000000002",
  critical: "930000000000000003",
  /** Where Ash opens a private thread for a member whose DMs are closed. */
  support: "930000000000000004",
} as const
