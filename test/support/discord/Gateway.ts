import type { IncomingMessage } from "node:http"
import {
  GatewayCloseCodes,
  GatewayDispatchEvents,
  GatewayIntentBits,
  GatewayOpcodes,
  type GatewayReadyDispatchData,
  type Snowflake,
} from "discord-api-types/v10"
import type { WebSocket, WebSocketServer } from "ws"
import { randomSecret } from "./snowflake.js"
import type { GatewayEventRecord } from "./types.js"

export interface SessionView {
  readonly intents: number
}

export interface GatewayHooks {
  readonly token: string
  readonly heartbeatIntervalMs: number
  readonly privilegedIntents: number
  readonly ready: (sessionId: string, shard: [number, number]) => GatewayReadyDispatchData
  /** GUILD_CREATE payloads of the guilds a shard owns. */
  readonly guildCreates: (shard: [number, number]) => readonly { readonly id: Snowflake }[]
  /** Handles op 8 REQUEST_GUILD_MEMBERS; returns GUILD_MEMBERS_CHUNK data. */
  readonly membersChunk: (request: Readonly<Record<string, unknown>>) => unknown
  readonly record: (event: GatewayEventRecord) => void
  readonly violation: (message: string) => void
}

interface Session {
  readonly id: string
  readonly intents: number
  readonly shard: [number, number]
  seq: number
  readonly buffer: { readonly s: number; readonly frame: string }[]
  socket: WebSocket | undefined
}

interface Conn {
  readonly ws: WebSocket
  session: Session | undefined
  closedByServer: boolean
}

const privileged =
  GatewayIntentBits.GuildMembers | GatewayIntentBits.GuildPresences | GatewayIntentBits.MessageContent
const bufferLimit = 1000

const isRecord = (v: unknown): v is Readonly<Record<string, unknown>> =>
  typeof v === "object" && v !== null && !Array.isArray(v)

const shardOf = (guildId: Snowflake, count: number): number =>
  Number((BigInt(guildId) >> 22n) % BigInt(count))

const shardTuple = (v: unknown): [number, number] | undefined =>
  Array.isArray(v) && v.length === 2 && typeof v[0] === "number" && typeof v[1] === "number"
    ? [v[0], v[1]]
    : undefined

/** The gateway: sessions, sequence numbers, heartbeats, RESUME with replay, and injected drops. */
export class Gateway {
  private readonly sessions = new Map<string, Session>()
  private readonly conns = new Set<Conn>()
  private acks = true

  constructor(
    wss: WebSocketServer,
    private readonly hooks: GatewayHooks,
  ) {
    wss.on("connection", (ws, req) => this.accept(ws, req))
  }

  /** Sends an event to every session (of the guild's shard); `build` returns undefined to withhold it. */
  dispatch(t: GatewayDispatchEvents, build: (session: SessionView) => unknown, guildId?: Snowflake): void {
    for (const session of this.sessions.values()) {
      if (guildId !== undefined && shardOf(guildId, session.shard[1]) !== session.shard[0]) continue
      const d = build(session)
      if (d !== undefined) this.emit(session, t, d)
    }
  }

  drop(code: number | undefined): void {
    for (const conn of this.conns) {
      conn.closedByServer = true
      if (code === undefined) conn.ws.terminate()
      else conn.ws.close(code, "emulator drop")
    }
  }

  sendOp(op: GatewayOpcodes.Reconnect | GatewayOpcodes.InvalidSession, d: unknown): void {
    if (op === GatewayOpcodes.InvalidSession && d === false) this.sessions.clear()
    for (const conn of this.conns) conn.ws.send(JSON.stringify({ op, d, s: null, t: null }))
  }

  setHeartbeatAcks(enabled: boolean): void {
    this.acks = enabled
  }

  close(): void {
    for (const conn of this.conns) conn.ws.terminate()
    this.conns.clear()
    this.sessions.clear()
  }

  private accept(ws: WebSocket, req: IncomingMessage): void {
    const query = new URL(req.url ?? "/", "http://localhost").searchParams
    if (query.get("v") !== "10")
      this.hooks.violation(`gateway: connected with v=${query.get("v")}, expected 10`)
    if (query.get("encoding") !== "json") this.hooks.violation(`gateway: encoding=${query.get("encoding")}`)
    if (query.has("compress")) {
      this.hooks.violation(`gateway: compress=${query.get("compress")} requested (zlib-sync installed?)`)
    }
    const conn: Conn = { ws, session: undefined, closedByServer: false }
    this.conns.add(conn)
    this.hooks.record({ kind: "connect", at: Date.now() })
    ws.on("message", (raw) => this.receive(conn, String(raw)))
    ws.on("close", (code) => {
      this.conns.delete(conn)
      this.hooks.record({
        kind: "close",
        code,
        by: conn.closedByServer ? "server" : "client",
        at: Date.now(),
      })
      const session = conn.session
      if (session === undefined || session.socket !== ws) return
      session.socket = undefined
      // A clean close ends the session on Discord too; anything else stays resumable.
      if (code === 1000 || code === 1001) this.sessions.delete(session.id)
    })
    ws.send(
      JSON.stringify({ op: GatewayOpcodes.Hello, d: { heartbeat_interval: this.hooks.heartbeatIntervalMs } }),
    )
  }

  private receive(conn: Conn, text: string): void {
    let payload: unknown
    try {
      payload = JSON.parse(text)
    } catch {
      this.kill(conn, GatewayCloseCodes.DecodeError)
      return
    }
    if (!isRecord(payload) || typeof payload.op !== "number") {
      this.kill(conn, GatewayCloseCodes.DecodeError)
      return
    }
    const d = payload.d
    switch (payload.op) {
      case GatewayOpcodes.Heartbeat:
        if (this.acks) conn.ws.send(JSON.stringify({ op: GatewayOpcodes.HeartbeatAck }))
        return
      case GatewayOpcodes.Identify:
        this.identify(conn, d)
        return
      case GatewayOpcodes.Resume:
        this.resume(conn, d)
        return
      case GatewayOpcodes.RequestGuildMembers: {
        const session = conn.session
        if (session === undefined) {
          this.kill(conn, GatewayCloseCodes.NotAuthenticated)
          return
        }
        if (isRecord(d))
          this.emit(session, GatewayDispatchEvents.GuildMembersChunk, this.hooks.membersChunk(d))
        return
      }
      case GatewayOpcodes.PresenceUpdate:
      case GatewayOpcodes.VoiceStateUpdate:
        if (conn.session === undefined) {
          this.kill(conn, GatewayCloseCodes.NotAuthenticated)
          return
        }
        return
      default:
        this.hooks.violation(`gateway: unknown opcode ${payload.op}`)
        this.kill(conn, GatewayCloseCodes.UnknownOpcode)
        return
    }
  }

  private identify(conn: Conn, d: unknown): void {
    if (conn.session !== undefined) {
      this.kill(conn, GatewayCloseCodes.AlreadyAuthenticated)
      return
    }
    if (!isRecord(d) || typeof d.token !== "string" || typeof d.intents !== "number") {
      this.kill(conn, GatewayCloseCodes.DecodeError)
      return
    }
    if (d.token !== this.hooks.token) {
      this.kill(conn, GatewayCloseCodes.AuthenticationFailed)
      return
    }
    if ((d.intents & privileged & ~this.hooks.privilegedIntents) !== 0) {
      this.kill(conn, GatewayCloseCodes.DisallowedIntents)
      return
    }
    const shard = d.shard === undefined ? ([0, 1] satisfies [number, number]) : shardTuple(d.shard)
    if (shard === undefined || shard[1] < 1 || shard[0] < 0 || shard[0] >= shard[1]) {
      this.kill(conn, GatewayCloseCodes.InvalidShard)
      return
    }
    const session: Session = {
      id: randomSecret(16),
      intents: d.intents,
      shard,
      seq: 0,
      buffer: [],
      socket: conn.ws,
    }
    conn.session = session
    this.sessions.set(session.id, session)
    this.hooks.record({ kind: "identify", intents: d.intents, shard, sessionId: session.id, at: Date.now() })
    this.emit(session, GatewayDispatchEvents.Ready, this.hooks.ready(session.id, shard))
    for (const guild of this.hooks.guildCreates(shard))
      this.emit(session, GatewayDispatchEvents.GuildCreate, guild)
  }

  private resume(conn: Conn, d: unknown): void {
    if (!isRecord(d) || typeof d.session_id !== "string" || typeof d.seq !== "number") {
      this.kill(conn, GatewayCloseCodes.DecodeError)
      return
    }
    const session = this.sessions.get(d.session_id)
    const seq = d.seq
    const first = session?.buffer[0]?.s ?? 1
    if (session === undefined || d.token !== this.hooks.token || seq < first - 1 || seq > session.seq) {
      this.hooks.record({ kind: "resume-rejected", sessionId: d.session_id, at: Date.now() })
      conn.ws.send(JSON.stringify({ op: GatewayOpcodes.InvalidSession, d: false, s: null, t: null }))
      return
    }
    if (session.socket !== undefined && session.socket !== conn.ws) session.socket.terminate()
    session.socket = conn.ws
    conn.session = session
    const missed = session.buffer.filter((f) => f.s > seq)
    for (const frame of missed) conn.ws.send(frame.frame)
    this.hooks.record({ kind: "resume", sessionId: session.id, seq, replayed: missed.length, at: Date.now() })
    this.emit(session, GatewayDispatchEvents.Resumed, {})
  }

  private emit(session: Session, t: GatewayDispatchEvents, d: unknown): void {
    session.seq += 1
    const frame = JSON.stringify({ op: GatewayOpcodes.Dispatch, t, s: session.seq, d })
    session.buffer.push({ s: session.seq, frame })
    if (session.buffer.length > bufferLimit) session.buffer.shift()
    if (session.socket !== undefined && session.socket.readyState === session.socket.OPEN)
      session.socket.send(frame)
  }

  private kill(conn: Conn, code: GatewayCloseCodes): void {
    conn.closedByServer = true
    conn.ws.close(code)
  }
}
