import {
  ActionRowBuilder,
  ApplicationCommandOptionType,
  type ApplicationCommandStringOptionData,
  ButtonBuilder,
  ButtonStyle,
  ChannelType,
  type ChatInputApplicationCommandData,
  Client,
  type ClientEvents,
  DiscordAPIError,
  EmbedBuilder,
  Events,
  GatewayIntentBits,
  HTTPError,
  type Interaction,
  InteractionResponseType,
  MessageFlags,
  MessageType,
  type TextChannel,
  ThreadAutoArchiveDuration,
} from "discord.js"
import { afterEach, describe, expect, it } from "vitest"
import { startDiscordEmulator } from "./Emulator.js"
import type { DiscordEmulator, DiscordEmulatorOptions } from "./types.js"

const GUILD = "1100000000000000001"
const ROLE = { crt: "1110000000000000001", member: "1110000000000000002" } as const
const CHANNEL = { alerts: "1120000000000000001", lounge: "1120000000000000002" } as const
const USER = { river: "1130000000000000001", alex: "1130000000000000002" } as const

const guildSeed = {
  id: GUILD,
  name: "Crisis Support",
  roles: [
    { id: ROLE.crt, name: "CRT", mentionable: false },
    { id: ROLE.member, name: "Member" },
  ],
  channels: [
    { id: CHANNEL.alerts, name: "crisis-alerts" },
    { id: CHANNEL.lounge, name: "lounge" },
  ],
  members: [
    { id: USER.river, username: "river", globalName: "River", roles: [ROLE.member] },
    { id: USER.alex, username: "crt_alex", globalName: "Alex", roles: [ROLE.crt] },
  ],
} as const

const fullIntents =
  GatewayIntentBits.Guilds |
  GatewayIntentBits.GuildMessages |
  GatewayIntentBits.MessageContent |
  GatewayIntentBits.DirectMessages

/** Mentions nobody, as the bot does for every message it posts. */
const quiet = { parse: [] }

const emulators: DiscordEmulator[] = []
const clients: Client[] = []

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.destroy()))
  const leftover = emulators.flatMap((emulator) => emulator.takeViolations())
  await Promise.all(emulators.splice(0).map((emulator) => emulator.stop()))
  expect(leftover).toEqual([])
})

const emulatorWith = async (options: DiscordEmulatorOptions = {}): Promise<DiscordEmulator> => {
  const emulator = await startDiscordEmulator({ guilds: [guildSeed], ...options })
  emulators.push(emulator)
  return emulator
}

/** A real discord.js client pointed at the emulator, not yet logged in. */
const clientFor = (emulator: DiscordEmulator, intents: number = fullIntents): Client => {
  const client = new Client({
    intents,
    rest: { api: emulator.apiUrl, cdn: `${emulator.baseUrl}/cdn` },
    ws: { buildIdentifyThrottler: () => ({ waitForIdentify: async () => {} }) },
  })
  clients.push(client)
  return client
}

const connect = async (emulator: DiscordEmulator, intents: number = fullIntents): Promise<Client<true>> => {
  const client = clientFor(emulator, intents)
  const ready = new Promise<Client<true>>((resolve) => client.once(Events.ClientReady, resolve))
  await client.login(emulator.token)
  return ready
}

/** Resolves with the arguments of the next `event` that `accept` takes. */
const nextEvent = <E extends keyof ClientEvents>(
  client: Client,
  event: E,
  accept: (...args: ClientEvents[E]) => boolean = () => true,
  timeoutMs = 5_000,
): Promise<ClientEvents[E]> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off(event, listener)
      reject(new Error(`no ${String(event)} within ${timeoutMs} ms`))
    }, timeoutMs)
    const listener = (...args: ClientEvents[E]) => {
      if (!accept(...args)) return
      clearTimeout(timer)
      client.off(event, listener)
      resolve(args)
    }
    client.on(event, listener)
  })

/** Runs `answer` on the next interaction the client receives and settles with its outcome. */
const onNextInteraction = <A>(client: Client, answer: (interaction: Interaction) => Promise<A>): Promise<A> =>
  new Promise((resolve, reject) => {
    client.once(Events.InteractionCreate, (interaction) => {
      answer(interaction).then(resolve, reject)
    })
  })

const waitUntil = async (check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> => {
  const until = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

const textChannel = (client: Client<true>, id: string): TextChannel => {
  const channel = client.channels.cache.get(id)
  if (channel?.type !== ChannelType.GuildText) throw new Error(`channel ${id} is not a cached text channel`)
  return channel
}

const alertPanel = (client: Client<true>) =>
  textChannel(client, CHANNEL.alerts).send({
    content: "New alert",
    allowedMentions: quiet,
    embeds: [new EmbedBuilder().setTitle("High severity").setDescription("A member needs help")],
    components: [
      new ActionRowBuilder<ButtonBuilder>().addComponents(
        new ButtonBuilder().setCustomId("ack").setLabel("Acknowledge").setStyle(ButtonStyle.Success),
        new ButtonBuilder().setCustomId("details").setLabel("Details").setStyle(ButtonStyle.Secondary),
        new ButtonBuilder().setCustomId("escalate").setLabel("Escalate").setStyle(ButtonStyle.Danger),
      ),
    ],
  })

const requestsTo = (emulator: DiscordEmulator, method: string, path: string) =>
  emulator.requests.filter((r) => r.method === method && r.path === path).map((r) => r.status)

const identifies = (emulator: DiscordEmulator) =>
  emulator.gatewayEvents.filter((e) => e.kind === "identify").length

describe("login", () => {
  it("READY and GUILD_CREATE fill the client's caches", async () => {
    const emulator = await emulatorWith()
    const client = await connect(emulator)

    expect(client.user.id).toBe(emulator.botUser.id)
    expect(client.application.id).toBe(emulator.applicationId)
    const guild = client.guilds.cache.get(GUILD)
    expect(guild?.name).toBe("Crisis Support")
    expect(guild?.available).toBe(true)
    expect(guild?.channels.cache.get(CHANNEL.alerts)?.name).toBe("crisis-alerts")
    expect(guild?.channels.cache.get(CHANNEL.lounge)?.type).toBe(ChannelType.GuildText)
    expect(guild?.roles.everyone.id).toBe(GUILD)
    expect(guild?.roles.cache.get(ROLE.crt)?.name).toBe("CRT")
    expect(guild?.members.cache.get(USER.alex)?.roles.cache.has(ROLE.crt)).toBe(true)
    expect(guild?.members.cache.get(USER.river)?.displayName).toBe("River")
    expect(guild?.members.me?.id).toBe(emulator.botUser.id)
    expect(emulator.gatewayEvents.filter((e) => e.kind === "identify")).toEqual([
      expect.objectContaining({ intents: fullIntents, shard: [0, 1] }),
    ])
  })
})

describe("intents", () => {
  it("withholds message content from a client without MESSAGE_CONTENT unless the bot is mentioned", async () => {
    const emulator = await emulatorWith()
    const reader = await connect(emulator)
    const blind = await connect(emulator, GatewayIntentBits.Guilds | GatewayIntentBits.GuildMessages)

    const content = "I don't feel safe tonight"
    const said = emulator.memberSays({ channelId: CHANNEL.lounge, userId: USER.river, content })
    const [[readerSees], [blindSees]] = await Promise.all([
      nextEvent(reader, Events.MessageCreate, (m) => m.id === said.id),
      nextEvent(blind, Events.MessageCreate, (m) => m.id === said.id),
    ])
    expect(readerSees.content).toBe(content)
    expect(blindSees.content).toBe("")
    expect(blindSees.author.id).toBe(USER.river)

    const mention = `<@${emulator.botUser.id}> are you there?`
    const pinged = emulator.memberSays({ channelId: CHANNEL.lounge, userId: USER.river, content: mention })
    const [blindPinged] = await nextEvent(blind, Events.MessageCreate, (m) => m.id === pinged.id)
    expect(blindPinged.content).toBe(mention)
  })

  it("closes with 4014 when IDENTIFY asks for a privileged intent the application lacks", async () => {
    const emulator = await emulatorWith({ privilegedIntents: 0 })
    const client = clientFor(emulator)

    await expect(client.login(emulator.token)).rejects.toThrow("Used disallowed intents")
    await waitUntil(() => emulator.gatewayEvents.some((e) => e.kind === "close"), "the gateway close")
    expect(emulator.gatewayEvents).toContainEqual(
      expect.objectContaining({ kind: "close", code: 4014, by: "server" }),
    )
    expect(emulator.gatewayEvents.some((e) => e.kind === "identify")).toBe(false)
  })
})

describe("posting messages", () => {
  it("stores embeds and buttons, and pings only what allowed_mentions permits", async () => {
    const emulator = await emulatorWith()
    const client = await connect(emulator)
    const channel = textChannel(client, CHANNEL.alerts)

    const panel = await alertPanel(client)
    const stored = emulator.message(panel.id)
    expect(stored?.embeds[0]).toMatchObject({ type: "rich", title: "High severity" })
    expect(stored?.components).toEqual([
      expect.objectContaining({
        type: 1,
        components: [
          expect.objectContaining({
            type: 2,
            custom_id: "ack",
            label: "Acknowledge",
            style: ButtonStyle.Success,
          }),
          expect.objectContaining({ custom_id: "details" }),
          expect.objectContaining({ custom_id: "escalate" }),
        ],
      }),
    ])
    expect(emulator.messages(CHANNEL.alerts).map((m) => m.id)).toEqual([panel.id])

    const content = `@everyone <@${USER.river}> <@&${ROLE.crt}> <@&${ROLE.member}>`
    const allowed = await channel.send({
      content,
      allowedMentions: { parse: ["everyone"], users: [USER.river], roles: [ROLE.crt] },
    })
    expect(emulator.message(allowed.id)).toMatchObject({
      content,
      mention_everyone: true,
      mention_roles: [ROLE.crt],
      mentions: [expect.objectContaining({ id: USER.river })],
    })
    expect(allowed.mentions.everyone).toBe(true)
    expect([...allowed.mentions.roles.keys()]).toEqual([ROLE.crt])
    expect([...allowed.mentions.users.keys()]).toEqual([USER.river])

    const silenced = await channel.send({ content, allowedMentions: quiet })
    expect(emulator.message(silenced.id)).toMatchObject({
      mention_everyone: false,
      mention_roles: [],
      mentions: [],
    })
    expect(emulator.takeViolations()).toEqual([])

    expect(emulator.allowedMentions(allowed.id)).toEqual({
      parse: ["everyone"],
      users: [USER.river],
      roles: [ROLE.crt],
    })
    expect(emulator.allowedMentions(silenced.id)).toEqual(quiet)

    const unruled = await channel.send({ content: "no mention policy" })
    expect(emulator.allowedMentions(unruled.id)).toBeNull()
    expect(emulator.takeViolations()).toEqual([
      expect.stringContaining("content sent without explicit allowed_mentions"),
    ])
  })

  it("finds a reply's message in the reply's own channel only, and refuses a missing one unless told not to", async () => {
    const emulator = await emulatorWith()
    const client = await connect(emulator)
    const alerts = textChannel(client, CHANNEL.alerts)
    const lounge = textChannel(client, CHANNEL.lounge)
    const said = emulator.memberSays({ channelId: CHANNEL.lounge, userId: USER.river, content: "hello?" })

    const reply = await lounge.send({
      content: "We're here",
      allowedMentions: quiet,
      reply: { messageReference: said.id },
    })
    expect(emulator.message(reply.id)).toMatchObject({
      type: MessageType.Reply,
      message_reference: { message_id: said.id, channel_id: CHANNEL.lounge },
      mentions: [],
    })

    const elsewhere = alerts.send({
      content: "Wrong place",
      allowedMentions: quiet,
      reply: { messageReference: said.id },
    })
    await expect(elsewhere).rejects.toMatchObject({ status: 400, code: 50035 })
    const plain = await alerts.send({
      content: "Sent anyway",
      allowedMentions: quiet,
      reply: { messageReference: said.id, failIfNotExists: false },
    })
    expect(emulator.message(plain.id)).toMatchObject({ type: MessageType.Default, content: "Sent anyway" })
    expect(emulator.message(plain.id)?.message_reference).toBeUndefined()
  })
})

describe("interactions", () => {
  it("answers button clicks with update, an ephemeral reply, and deferUpdate + editReply + followUp", async () => {
    const emulator = await emulatorWith()
    const client = await connect(emulator)
    const panel = await alertPanel(client)

    const updated = onNextInteraction(client, async (interaction) => {
      if (!interaction.isButton()) throw new Error("expected a button")
      await interaction.update({ content: "Acknowledged by Alex", components: [], allowedMentions: quiet })
      return interaction.customId
    })
    const ack = emulator.clickButton({ messageId: panel.id, customId: "ack", userId: USER.alex })
    await expect(updated).resolves.toBe("ack")
    const edited = await emulator.waitForEdit(panel.id, (m) => m.content === "Acknowledged by Alex")
    expect(edited.components).toEqual([])
    expect(await ack.firstCallback).toMatchObject({
      kind: "callback",
      type: InteractionResponseType.UpdateMessage,
      status: 204,
    })

    const panel2 = await alertPanel(client)
    const replied = onNextInteraction(client, async (interaction) => {
      if (!interaction.isButton()) throw new Error("expected a button")
      await interaction.reply({
        content: "Only you see this",
        flags: MessageFlags.Ephemeral,
        allowedMentions: quiet,
      })
    })
    const details = emulator.clickButton({ messageId: panel2.id, customId: "details", userId: USER.alex })
    await replied
    const ephemeral = details.replies[0]
    expect(ephemeral?.content).toBe("Only you see this")
    expect((ephemeral?.flags ?? 0) & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral)
    expect(emulator.messages(CHANNEL.alerts).map((m) => m.id)).not.toContain(ephemeral?.id)

    const panel3 = await alertPanel(client)
    const deferred = onNextInteraction(client, async (interaction) => {
      if (!interaction.isButton()) throw new Error("expected a button")
      await interaction.deferUpdate()
      await interaction.editReply({ content: "Escalated", allowedMentions: quiet })
      await interaction.followUp({
        content: "Team lead notified",
        flags: MessageFlags.Ephemeral,
        allowedMentions: quiet,
      })
    })
    const escalate = emulator.clickButton({ messageId: panel3.id, customId: "escalate", userId: USER.alex })
    await deferred
    expect(escalate.calls.map((c) => [c.kind, c.status])).toEqual([
      ["callback", 204],
      ["edit-original", 200],
      ["follow-up", 200],
    ])
    expect(escalate.calls[0]).toMatchObject({ type: InteractionResponseType.DeferredMessageUpdate })
    expect(emulator.message(panel3.id)?.content).toBe("Escalated")
    expect(emulator.messages(CHANNEL.alerts).map((m) => m.content)).not.toContain("Team lead notified")
  })

  it("enforces the acknowledgement deadline and rejects a late reply with 10062", async () => {
    const emulator = await emulatorWith({ interactionDeadlineMs: 200 })
    const client = await connect(emulator)
    const panel = await alertPanel(client)

    const received = new Promise<Interaction>((resolve) => client.once(Events.InteractionCreate, resolve))
    const click = emulator.clickButton({ messageId: panel.id, customId: "ack", userId: USER.alex })
    const interaction = await received
    expect(await click.firstCallback).toBeUndefined()
    expect(emulator.takeViolations()).toEqual([expect.stringContaining("no callback within 200 ms")])

    if (!interaction.isButton()) throw new Error("expected a button")
    const late = interaction.reply({ content: "Too late", allowedMentions: quiet })
    await expect(late).rejects.toBeInstanceOf(DiscordAPIError)
    await expect(late).rejects.toMatchObject({ code: 10062, status: 404 })
    expect(click.calls).toEqual([expect.objectContaining({ kind: "callback", status: 404 })])
    expect(emulator.takeViolations()).toEqual([
      expect.stringMatching(/callback after \d+ ms \(deadline 200 ms\)/),
    ])
  })

  it("refuses a second acknowledgement with 40060", async () => {
    const emulator = await emulatorWith()
    const client = await connect(emulator)
    const panel = await alertPanel(client)

    const both = onNextInteraction(client, async (interaction) => {
      if (!interaction.isButton()) throw new Error("expected a button")
      // Two handlers racing on one click: both pass discord.js's local "already replied" check.
      return Promise.allSettled([interaction.deferUpdate(), interaction.deferUpdate()])
    })
    const click = emulator.clickButton({ messageId: panel.id, customId: "ack", userId: USER.alex })
    const outcomes = await both

    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1)
    const refusals = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason] : []))
    expect(refusals).toHaveLength(1)
    expect(refusals[0]).toBeInstanceOf(DiscordAPIError)
    expect(refusals[0]).toMatchObject({ code: 40060, status: 400 })
    expect(click.calls.map((c) => c.status)).toEqual([204, 400])
    expect(emulator.takeViolations()).toEqual([expect.stringContaining("acknowledged twice")])
  })

  it("registers slash commands and answers one with deferReply + editReply + followUp", async () => {
    const emulator = await emulatorWith()
    const client = await connect(emulator)

    const set = await client.application.commands.set([
      {
        name: "alert",
        description: "Manage crisis alerts",
        options: [
          {
            type: ApplicationCommandOptionType.Subcommand,
            name: "raise",
            description: "Raise an alert by hand",
            options: [
              {
                type: ApplicationCommandOptionType.String,
                name: "reason",
                description: "Why",
                required: true,
              },
              { type: ApplicationCommandOptionType.Integer, name: "level", description: "Severity 1-5" },
              { type: ApplicationCommandOptionType.Boolean, name: "urgent", description: "Page the team" },
            ],
          },
        ],
      },
    ])
    expect([...set.values()].map((c) => c.name)).toEqual(["alert"])
    expect(emulator.registeredCommands).toEqual([
      {
        guildId: undefined,
        command: expect.objectContaining({
          name: "alert",
          application_id: emulator.applicationId,
          options: [
            expect.objectContaining({ name: "raise", type: ApplicationCommandOptionType.Subcommand }),
          ],
        }),
      },
    ])

    const answered = onNextInteraction(client, async (interaction) => {
      if (!interaction.isChatInputCommand()) throw new Error("expected a slash command")
      const read = {
        command: interaction.commandName,
        subcommand: interaction.options.getSubcommand(),
        reason: interaction.options.getString("reason", true),
        level: interaction.options.getInteger("level"),
        urgent: interaction.options.getBoolean("urgent"),
      }
      await interaction.deferReply()
      const edited = await interaction.editReply({
        embeds: [new EmbedBuilder().setTitle(`Raised: ${read.reason}`)],
      })
      await interaction.followUp({ content: "Logged", allowedMentions: quiet })
      return { ...read, stillLoading: edited.flags.has(MessageFlags.Loading) }
    })
    const run = emulator.runSlashCommand({
      name: "alert",
      subcommand: "raise",
      options: { reason: "member in distress", level: 4, urgent: true },
      userId: USER.alex,
      channelId: CHANNEL.alerts,
    })
    await expect(answered).resolves.toEqual({
      command: "alert",
      subcommand: "raise",
      reason: "member in distress",
      level: 4,
      urgent: true,
      stillLoading: false,
    })
    expect(run.calls.map((c) => [c.kind, c.status])).toEqual([
      ["callback", 204],
      ["edit-original", 200],
      ["follow-up", 200],
    ])
    expect(run.calls[0]).toMatchObject({ type: InteractionResponseType.DeferredChannelMessageWithSource })
    expect(run.replies.map((m) => m.id)).toEqual(emulator.messages(CHANNEL.alerts).map((m) => m.id))
    const [original, followUp] = emulator.messages(CHANNEL.alerts)
    expect(original?.embeds[0]?.title).toBe("Raised: member in distress")
    expect((original?.flags ?? 0) & MessageFlags.Loading).toBe(0)
    expect(followUp?.content).toBe("Logged")
  })
})

describe("command registration", () => {
  it("refuses what Discord refuses: capitals, empty descriptions, required after optional, twice the same name", async () => {
    const emulator = await emulatorWith()
    const client = await connect(emulator)
    const option = (name: string, required: boolean): ApplicationCommandStringOptionData => ({
      type: ApplicationCommandOptionType.String,
      name,
      description: name,
      required,
    })
    const refused: ReadonlyArray<ReadonlyArray<ChatInputApplicationCommandData>> = [
      [{ name: "Alert", description: "Crisis alerts" }],
      [{ name: "alert", description: "" }],
      [
        {
          name: "alert",
          description: "Crisis alerts",
          options: [option("level", false), option("reason", true)],
        },
      ],
      [
        { name: "alert", description: "Crisis alerts" },
        { name: "alert", description: "Again" },
      ],
    ]
    for (const commands of refused) {
      await expect(client.application.commands.set(commands)).rejects.toMatchObject({
        status: 400,
        code: 50035,
      })
    }
    expect(emulator.takeViolations()).toEqual([
      expect.stringContaining("invalid name"),
      expect.stringContaining("invalid description"),
      expect.stringContaining("invalid options.1.required"),
      expect.stringContaining("/alert twice"),
    ])
    expect(emulator.registeredCommands).toEqual([])

    await client.application.commands.set([
      {
        name: "alert",
        description: "Crisis alerts",
        options: [option("reason", true), option("level", false)],
      },
    ])
    expect(emulator.registeredCommands.map((c) => c.command.name)).toEqual(["alert"])
  })
})

describe("REST faults", () => {
  it("waits out a 429, gives up after four 502s, and does not retry a 400", async () => {
    const emulator = await emulatorWith()
    const client = await connect(emulator)
    const channel = textChannel(client, CHANNEL.alerts)
    const path = `/channels/${CHANNEL.alerts}/messages`

    emulator.failNext({ method: "POST", route: "/channels/:id/messages", status: 429, retryAfter: 0.2 })
    const sent = await channel.send({ content: "after the rate limit", allowedMentions: quiet })
    expect(emulator.message(sent.id)?.content).toBe("after the rate limit")
    expect(requestsTo(emulator, "POST", path)).toEqual([429, 200])

    emulator.failNext({ method: "POST", route: path, status: 502, times: 4 })
    const unavailable = channel.send({ content: "during an outage", allowedMentions: quiet })
    await expect(unavailable).rejects.toBeInstanceOf(HTTPError)
    await expect(unavailable).rejects.toMatchObject({ status: 502 })
    expect(requestsTo(emulator, "POST", path)).toEqual([429, 200, 502, 502, 502, 502])

    emulator.failNext({ method: "POST", route: path, status: 400, code: 50035, message: "Invalid Form Body" })
    const refused = channel.send({ content: "malformed", allowedMentions: quiet })
    await expect(refused).rejects.toBeInstanceOf(DiscordAPIError)
    await expect(refused).rejects.toMatchObject({ code: 50035, status: 400 })
    expect(requestsTo(emulator, "POST", path)).toEqual([429, 200, 502, 502, 502, 502, 400])
  })

  it("records unknown routes and requests without the bot token as violations", async () => {
    const emulator = await emulatorWith()
    const auth = { authorization: `Bot ${emulator.token}` }

    const unknown = await fetch(`${emulator.apiUrl}/v10/channels/${CHANNEL.alerts}/nonsense`, {
      headers: auth,
    })
    expect(unknown.status).toBe(404)
    const anonymous = await fetch(`${emulator.apiUrl}/v10/users/@me`)
    expect(anonymous.status).toBe(401)
    const wrongToken = await fetch(`${emulator.apiUrl}/v10/users/@me`, {
      headers: { authorization: "Bot not-the-token" },
    })
    expect(wrongToken.status).toBe(401)
    const authorised = await fetch(`${emulator.apiUrl}/v10/users/@me`, { headers: auth })
    expect(await authorised.json()).toMatchObject({ id: emulator.botUser.id })

    expect(emulator.takeViolations()).toEqual([
      `REST: no such route GET /channels/${CHANNEL.alerts}/nonsense`,
      "REST: GET /users/@me without the bot's token",
      "REST: GET /users/@me without the bot's token",
    ])
  })
})

describe("gateway", () => {
  it("resumes after a 4000 close and replays the missed message exactly once", async () => {
    const emulator = await emulatorWith()
    const client = await connect(emulator)
    const seen: string[] = []
    client.on(Events.MessageCreate, (message) => {
      seen.push(message.id)
    })

    const resumed = nextEvent(client, Events.ShardResume)
    emulator.dropGateway(4000)
    const missed = emulator.memberSays({
      channelId: CHANNEL.lounge,
      userId: USER.river,
      content: "still here?",
    })
    await resumed
    const marker = emulator.memberSays({ channelId: CHANNEL.lounge, userId: USER.river, content: "marker" })
    await waitUntil(() => seen.includes(marker.id), "the marker message")

    expect(seen).toEqual([missed.id, marker.id])
    const resumes = emulator.gatewayEvents.flatMap((e) => (e.kind === "resume" ? [e] : []))
    expect(resumes).toHaveLength(1)
    expect(resumes[0]?.replayed).toBeGreaterThanOrEqual(1)
    expect(identifies(emulator)).toBe(1)
  })

  it("resumes after op 7 RECONNECT", async () => {
    const emulator = await emulatorWith()
    const client = await connect(emulator)

    const resumed = nextEvent(client, Events.ShardResume)
    emulator.sendReconnect()
    await resumed
    expect(emulator.gatewayEvents.filter((e) => e.kind === "resume")).toHaveLength(1)
    expect(identifies(emulator)).toBe(1)
  })

  it("identifies afresh after a non-resumable op 9 INVALID_SESSION", async () => {
    const emulator = await emulatorWith()
    const client = await connect(emulator)

    emulator.sendInvalidSession(false)
    await waitUntil(() => identifies(emulator) === 2, "a second IDENTIFY")
    const said = emulator.memberSays({
      channelId: CHANNEL.lounge,
      userId: USER.river,
      content: "hello again",
    })
    const [message] = await nextEvent(client, Events.MessageCreate, (m) => m.id === said.id)
    expect(message.content).toBe("hello again")
    expect(emulator.gatewayEvents.some((e) => e.kind === "resume")).toBe(false)
  })
})

describe("DMs", () => {
  it("opens a DM channel, and refuses with 50007 once the member closes DMs", async () => {
    const emulator = await emulatorWith()
    const client = await connect(emulator)
    const river = await client.users.fetch(USER.river)

    const dm = await river.send({ content: "Checking in on you", allowedMentions: quiet })
    expect(dm.channel.type).toBe(ChannelType.DM)
    expect(emulator.dmsTo(USER.river).map((m) => [m.id, m.content])).toEqual([[dm.id, "Checking in on you"]])

    emulator.setDmsOpen(USER.river, false)
    const refused = river.send({ content: "Are you there?", allowedMentions: quiet })
    await expect(refused).rejects.toBeInstanceOf(DiscordAPIError)
    await expect(refused).rejects.toMatchObject({ code: 50007, status: 403 })
    expect(emulator.dmsTo(USER.river)).toHaveLength(1)
  })
})

describe("threads and files", () => {
  it("creates a private thread with a member, and keeps uploaded file bytes", async () => {
    const emulator = await emulatorWith()
    const client = await connect(emulator)
    const channel = textChannel(client, CHANNEL.alerts)

    const thread = await channel.threads.create({
      name: "case-follow-up",
      type: ChannelType.PrivateThread,
      autoArchiveDuration: ThreadAutoArchiveDuration.OneDay,
      invitable: false,
    })
    await thread.members.add(USER.alex)
    expect(thread.type).toBe(ChannelType.PrivateThread)
    expect(emulator.threads()).toEqual([
      {
        channel: expect.objectContaining({
          id: thread.id,
          name: "case-follow-up",
          type: ChannelType.PrivateThread,
          parent_id: CHANNEL.alerts,
        }),
        memberIds: [emulator.botUser.id, USER.alex],
      },
    ])

    const bytes = Buffer.from("timeline: 21:04 flagged, 21:06 acknowledged\n")
    const upload = await thread.send({
      content: "Case notes attached",
      allowedMentions: quiet,
      files: [{ attachment: bytes, name: "case-notes.txt" }],
    })
    expect(upload.attachments.first()?.name).toBe("case-notes.txt")
    const stored = emulator.files(upload.id)
    expect(stored.map((f) => f.attachment.filename)).toEqual(["case-notes.txt"])
    expect(Buffer.from(stored[0]?.data ?? new Uint8Array()).equals(bytes)).toBe(true)
    expect(emulator.messages(thread.id).map((m) => m.id)).toEqual([upload.id])
  })
})
