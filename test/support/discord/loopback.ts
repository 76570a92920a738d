import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { WebSocketServer } from "ws"

/** Where the emulator listens: REST and the gateway share one 127.0.0.1 port. */
export interface Endpoints {
  readonly port: number
  /** `http://127.0.0.1:PORT` */
  readonly baseUrl: string
  readonly gatewayUrl: string
}

export interface Loopback {
  readonly endpoints: Endpoints
  readonly server: Server
  /** Takes the server's WebSocket upgrades; the gateway listens for its connections. */
  readonly wss: WebSocketServer
  /** Closes the WebSocket server and every HTTP connection, then the server. */
  close(): Promise<void>
}

/** An HTTP server on a free 127.0.0.1 port that hands WebSocket upgrades to `wss`. */
export const openLoopback = async (): Promise<Loopback> => {
  const server = createServer()
  const wss = new WebSocketServer({ noServer: true })
  server.on("upgrade", (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as AddressInfo).port
  return {
    endpoints: { port, baseUrl: `http://127.0.0.1:${port}`, gatewayUrl: `ws://127.0.0.1:${port}` },
    server,
    wss,
    close: async () => {
      wss.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
