/**
 * Slack's side of Socket Mode: `apps.connections.open` (in web-api.ts) hands out this server's WebSocket URL;
 * the server greets each connection with `hello`, pings it (the client gives up after 30 s without a ping),
 * delivers envelopes (`slash_commands`, `interactive`) with an `envelope_id`, and waits for the client's ack
 * `{ envelope_id, payload }`. Like Slack, an envelope goes to one connection, and `refresh()` sends
 * `disconnect` (reason `refresh_requested`) so clients open a new connection.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export type EnvelopeType = 'slash_commands' | 'interactive';

export interface Ack {
  /** Whether the client acked before the timeout (Slack shows the user an error when it does not). */
  acked: boolean;
  /** What the client put in the ack (a slash command's immediate response, if any). */
  payload?: Record<string, unknown>;
  elapsedMs: number;
}

export interface SocketModeServer {
  /** A fresh connection URL, as `apps.connections.open` returns it. */
  connectionUrl(): string;
  /** Open, greeted connections. */
  connections(): number;
  waitForConnections(count: number, timeoutMs?: number): Promise<void>;
  /** Delivers one envelope to one open connection and waits for its ack. */
  deliver(type: EnvelopeType, payload: Record<string, unknown>, timeoutMs?: number): Promise<Ack>;
  /** Asks every client to reconnect, as Slack does before recycling a connection. */
  refresh(): void;
  stop(): Promise<void>;
}

const PING_INTERVAL_MS = 5_000;

export async function startSocketModeServer(): Promise<SocketModeServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const { port } = wss.address() as AddressInfo;
  const open = new Set<WebSocket>();
  const waiting = new Map<string, (payload: Record<string, unknown>) => void>();
  let next = 0;

  wss.on('connection', (socket) => {
    open.add(socket);
    const pinger = setInterval(() => socket.ping(), PING_INTERVAL_MS);
    socket.on('close', () => {
      clearInterval(pinger);
      open.delete(socket);
    });
    socket.on('message', (data) => {
      let message: { envelope_id?: string; payload?: Record<string, unknown> };
      try {
        message = JSON.parse(data.toString()) as typeof message;
      } catch {
        return;
      }
      if (message.envelope_id) waiting.get(message.envelope_id)?.(message.payload ?? {});
    });
    socket.send(JSON.stringify({ type: 'hello', num_connections: open.size, connection_info: { app_id: 'A0DECKHAND' }, debug_info: { host: 'sandbox' } }));
  });

  const server: SocketModeServer = {
    connectionUrl: () => `ws://127.0.0.1:${port}/link/?ticket=${randomBytes(8).toString('hex')}`,
    connections: () => open.size,
    waitForConnections: async (count, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      while (open.size < count) {
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${count} Socket Mode connection(s); ${open.size} open`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    deliver: (type, payload, timeoutMs = 10_000) => {
      const socket = [...open][next++ % Math.max(open.size, 1)];
      const started = performance.now();
      if (!socket) return Promise.resolve({ acked: false, elapsedMs: 0 });
      const envelopeId = randomBytes(12).toString('hex');
      return new Promise<Ack>((resolve) => {
        const timer = setTimeout(() => {
          waiting.delete(envelopeId);
          resolve({ acked: false, elapsedMs: performance.now() - started });
        }, timeoutMs);
        waiting.set(envelopeId, (ackPayload) => {
          clearTimeout(timer);
          waiting.delete(envelopeId);
          resolve({ acked: true, payload: ackPayload, elapsedMs: performance.now() - started });
        });
        socket.send(JSON.stringify({ envelope_id: envelopeId, type, payload, accepts_response_payload: type === 'slash_commands' }));
      });
    },
    refresh: () => {
      for (const socket of open) socket.send(JSON.stringify({ type: 'disconnect', reason: 'refresh_requested', debug_info: { host: 'sandbox' } }));
    },
    stop: async () => {
      for (const socket of open) socket.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
  return server;
}
