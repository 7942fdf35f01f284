/**
 * The sandbox's web console: a Slack-like client in the browser, wired to deckhand the way Slack is. What you type
 * and click goes to the bot as Slack's signed slash commands and `block_actions` (or Socket Mode envelopes), through
 * `ToBot`; what the bot posts is read back from the Slack stand-in's stored channels. Plain messages, pins and
 * reactions are a person's doing in Slack's client, so they go straight into the stand-in, where the bot reads them.
 *
 *   GET  /                      the page (public/)
 *   GET  /events                server-sent events: `state` (channels, messages, world) whenever it changes
 *   GET  /api/file?id=F…        an attached file's text
 *   POST /api/send   { user, channel, text, threadTs? }     a slash command or a plain message
 *   POST /api/click  { user, channel, messageTs, actionId, value, blockId? }
 *   POST /api/pin    { channel, ts, pinned }
 *   POST /api/react  { user, channel, ts, name }
 *   POST /api/clock  { speed }
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Sandbox } from '../index.js';
import { SlackError, type StoredMessage } from '../slack/web-api.js';
import type { ToBot } from '../slack/to-bot.js';
import { observeWorld, RedisRoles } from './world.js';

export interface ConsoleUser {
  id: string;
  name: string;
  /** What the user may do, as the switcher explains it. */
  note: string;
}

export interface ConsoleOptions {
  sandbox: Sandbox;
  toBot: ToBot;
  users: ConsoleUser[];
  /** Channel id → name, in the sidebar's order (ids starting with G are private, as in Slack). */
  channels: Record<string, string>;
  /** Default 0: a free port. */
  port?: number;
  /** How often (real ms) the state is compared and pushed when it changed (default 250). */
  pushMs?: number;
}

const BOT_NAME = 'deckhand';
const PAGES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/console.js': { file: 'console.js', type: 'text/javascript; charset=utf-8' },
  '/console.css': { file: 'console.css', type: 'text/css; charset=utf-8' },
};

class BadRequest extends Error {}

export async function startConsole(options: ConsoleOptions): Promise<{ url: string; stop(): Promise<void> }> {
  const { sandbox, toBot, users } = options;
  const channelIds = Object.keys(options.channels);
  const redis = new RedisRoles(sandbox);
  redis.start();
  const streams = new Set<ServerResponse>();
  let lastState = '';

  const state = () =>
    JSON.stringify({
      users,
      channels: channelIds.map((id) => ({ id, name: options.channels[id], private: id.startsWith('G') })),
      messages: Object.fromEntries(channelIds.map((id) => [id, sandbox.slack.messages(id).map(wireMessage)])),
      canvases: Object.fromEntries(channelIds.flatMap((id) => {
        const canvas = sandbox.slack.channelCanvas(id);
        return canvas ? [[id, { title: canvas.title, markdown: canvas.markdown }]] : [];
      })),
      world: observeWorld(sandbox, redis),
    });
  const snapshot = () => {
    try {
      return state();
    } catch (error) {
      // The console is a window on the sandbox: a snapshot it cannot take must not stop the sandbox.
      console.error('console: could not read the sandbox state:', error);
      return undefined;
    }
  };
  const push = () => {
    const next = snapshot();
    if (next === undefined || next === lastState) return;
    lastState = next;
    for (const stream of streams) stream.write(`event: state\ndata: ${next}\n\n`);
  };
  const pusher = setInterval(push, options.pushMs ?? 250);
  pusher.unref();

  const user = (body: Record<string, unknown>) => {
    const id = body.user;
    if (!users.some((u) => u.id === id)) throw new BadRequest(`unknown user ${String(id)}`);
    return id as string;
  };
  const channel = (body: Record<string, unknown>) => {
    const id = body.channel;
    if (typeof id !== 'string' || !channelIds.includes(id)) throw new BadRequest(`unknown channel ${String(id)}`);
    return id;
  };
  const text = (body: Record<string, unknown>, name: string) => {
    const value = body[name];
    if (typeof value !== 'string' || value.trim() === '') throw new BadRequest(`${name} is required`);
    return value;
  };

  /** Slack shows a slash command's non-empty acknowledgement to its user only: the same as a response_url post. */
  async function showAck(body: string, responseUrl: string): Promise<void> {
    if (!body.trim().startsWith('{')) return;
    const ack = JSON.parse(body) as { text?: string; blocks?: unknown[] };
    if (!ack.text && !ack.blocks) return;
    await fetch(responseUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  }

  const actions: Record<string, (body: Record<string, unknown>) => Promise<unknown>> = {
    '/api/send': async (body) => {
      const from = user(body);
      const to = channel(body);
      const message = text(body, 'text').trim();
      if (message.startsWith('/')) {
        const [, command = '', args = ''] = /^(\/\S+)\s*([\s\S]*)$/.exec(message) ?? [];
        // Slack itself answers an unknown slash command; only /deckhand reaches the app.
        if (command !== '/deckhand') throw new BadRequest(`${command} is not a valid command. In Slack, only /deckhand is installed in this workspace.`);
        const responseUrl = sandbox.slack.responseUrl(to, from);
        const response = await toBot.command({ text: args, user: from, channel: to }, responseUrl);
        if (response.status === 200) await showAck(response.body, responseUrl);
        return { status: response.status };
      }
      const threadTs = typeof body.threadTs === 'string' ? body.threadTs : undefined;
      const posted = sandbox.slack.seedMessage(to, { user: from, text: message, ...(threadTs ? { threadTs } : {}) });
      return { ts: posted.ts };
    },
    '/api/click': async (body) => {
      const from = user(body);
      const to = channel(body);
      const messageTs = text(body, 'messageTs');
      const ephemeral = sandbox.slack.messages(to).some((m) => m.ts === messageTs && m.ephemeralTo !== undefined);
      const input = { actionId: text(body, 'actionId'), value: String(body.value ?? ''), user: from, channel: to, messageTs, ephemeral, ...(typeof body.blockId === 'string' ? { blockId: body.blockId } : {}) };
      const response = await toBot.click(input, sandbox.slack.responseUrl(to, from));
      return { status: response.status };
    },
    '/api/pin': async (body) => {
      sandbox.slack.pin(channel(body), text(body, 'ts'), body.pinned === true);
      return {};
    },
    '/api/react': async (body) => {
      sandbox.slack.toggleReaction(channel(body), text(body, 'ts'), text(body, 'name').replace(/^:|:$/g, ''), user(body));
      return {};
    },
    '/api/clock': async (body) => {
      const speed = body.speed;
      if (typeof speed !== 'number' || !(speed >= 0) || speed > 100_000) throw new BadRequest('speed must be a number from 0 to 100000 (virtual seconds per real second; 0 stops the clock)');
      sandbox.clock.setSpeed(speed);
      return { speed };
    },
  };

  function wireMessage(m: StoredMessage) {
    return {
      ts: m.ts,
      // What reaches Slack without a user (response_url replies, the bot's file uploads) is the app's.
      user: m.botId || !m.user ? BOT_NAME : (users.find((u) => u.id === m.user)?.name ?? m.botName ?? m.user),
      bot: Boolean(m.botId) || !m.user,
      text: m.text,
      blocks: m.blocks,
      ...(m.threadTs && m.threadTs !== m.ts ? { threadTs: m.threadTs } : {}),
      ...(m.ephemeralTo ? { ephemeralTo: m.ephemeralTo } : {}),
      ...(m.pinned ? { pinned: true } : {}),
      ...(m.reactions ? { reactions: m.reactions } : {}),
      ...(m.attachments ? { attachments: m.attachments } : {}),
      ...(m.history.length > 1 ? { edited: true } : {}),
      files: (m.files ?? []).map((f) => ({ id: f.id, title: f.title, name: f.name ?? f.title, lines: f.content.split('\n').length })),
    };
  }

  function file(id: string | null): string | undefined {
    for (const c of channelIds) for (const m of sandbox.slack.messages(c)) for (const f of m.files ?? []) if (f.id === id) return f.content;
    return undefined;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://console');
    const page = PAGES[url.pathname];
    if (req.method === 'GET' && page) {
      res.writeHead(200, { 'content-type': page.type, 'cache-control': 'no-store' });
      res.end(readFileSync(new URL(`./public/${page.file}`, import.meta.url)));
      return;
    }
    if (req.method === 'GET' && url.pathname === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      streams.add(res);
      res.on('close', () => streams.delete(res));
      const first = lastState || snapshot();
      if (first) res.write(`event: state\ndata: ${first}\n\n`);
      return;
    }
    if (req.method === 'GET' && url.pathname === '/api/file') {
      const content = file(url.searchParams.get('id'));
      if (content === undefined) return send(res, 404, { error: 'no such file' });
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(content);
      return;
    }
    const action = actions[url.pathname];
    if (req.method !== 'POST' || !action) return send(res, 404, { error: `no such console path: ${req.method} ${url.pathname}` });
    try {
      const body = await readJson(req);
      send(res, 200, await action(body));
      push();
    } catch (error) {
      if (error instanceof BadRequest || error instanceof SlackError) return send(res, 400, { error: error.message });
      throw error;
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, { error: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    stop: () =>
      new Promise<void>((resolve) => {
        clearInterval(pusher);
        redis.stop();
        for (const stream of streams) stream.end();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as unknown;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error('not an object');
    return body as Record<string, unknown>;
  } catch {
    throw new BadRequest('the body must be a JSON object');
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
