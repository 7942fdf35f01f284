/**
 * A tiny Slack Web API double for outbox and runner tests: records every call, answers `ok` with
 * increasing message timestamps, and can answer 429 (with Retry-After) or an error on demand.
 * The full stand-in used by end-to-end tests lives in sandbox/src/slack.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  method: string;
  args: Record<string, unknown>;
  at: number;
  /** The HTTP status answered. */
  status: number;
}

export class SlackApiRecorder {
  readonly calls: RecordedCall[] = [];
  private server: Server | undefined;
  private seq = 0;
  private readonly scripted: { method: string; status: number; body: Record<string, unknown>; headers: Record<string, string> }[] = [];
  /** While set, every call answers this HTTP status (an outage). */
  private outageStatus: number | undefined;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0]!;
        const args = method.startsWith('upload/') ? { bytes: raw } : parseArgs(raw, req.headers['content-type'] ?? '');
        if (this.outageStatus !== undefined) {
          this.calls.push({ method, args, at: Date.now(), status: this.outageStatus });
          res.writeHead(this.outageStatus, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ ok: false, error: 'service_unavailable' }));
          return;
        }
        const scriptedAt = this.scripted.findIndex((s) => s.method === method);
        this.calls.push({ method, args, at: Date.now(), status: scriptedAt >= 0 ? this.scripted[scriptedAt]!.status : 200 });
        if (scriptedAt >= 0) {
          const [s] = this.scripted.splice(scriptedAt, 1);
          res.writeHead(s!.status, { 'content-type': 'application/json', ...s!.headers });
          res.end(JSON.stringify(s!.body));
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(this.answer(method, args)));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}/api/`;
    return this;
  }

  /** The next `times` calls of `method` answer HTTP 429 with this Retry-After (seconds). */
  rateLimit(method: string, retryAfterSeconds: number, times = 1): void {
    for (let i = 0; i < times; i++) this.scripted.push({ method, status: 429, body: { ok: false, error: 'ratelimited' }, headers: { 'retry-after': String(retryAfterSeconds) } });
  }

  /** The next call of `method` answers `{ ok: false, error }` (HTTP 200, as Slack does). */
  failWith(method: string, error: string, status = 200): void {
    this.scripted.push({ method, status, body: { ok: false, error }, headers: {} });
  }

  /** Every call answers `status` until `recover()`. */
  outage(status: number): void {
    this.outageStatus = status;
  }

  recover(): void {
    this.outageStatus = undefined;
  }

  /** Polls the recorded calls (real time) until `check` holds. */
  async waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('timed out waiting on the Slack recorder');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  callsOf(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private answer(method: string, args: Record<string, unknown>): Record<string, unknown> {
    const ts = `1700000000.${String(++this.seq).padStart(6, '0')}`;
    switch (method) {
      case 'chat.postMessage':
        return { ok: true, channel: args.channel, ts };
      case 'chat.update':
        return { ok: true, channel: args.channel, ts: args.ts };
      case 'chat.postEphemeral':
        return { ok: true, message_ts: ts };
      case 'files.getUploadURLExternal':
        return { ok: true, upload_url: `${this.url}upload/F${this.seq}`, file_id: `F${this.seq}` };
      default:
        return { ok: true };
    }
  }
}

function parseArgs(raw: string, contentType: string): Record<string, unknown> {
  if (contentType.includes('application/json')) return JSON.parse(raw || '{}') as Record<string, unknown>;
  const args: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    args[k] = /^[[{]/.test(v) ? JSON.parse(v) : v;
  }
  return args;
}
