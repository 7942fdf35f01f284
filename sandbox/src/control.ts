/**
 * The sandbox's own control endpoint: other processes read the virtual clock here, and a person
 * (or a test in another process) can move time or inject faults without code.
 *   GET  /clock                  -> { now, speed }
 *   POST /clock  { advanceMs?, speed? }
 *   GET  /clock/wait?until=T     -> { now, speed } once virtual time reaches T: another process's sleep, a sleep
 *                                   here like any other, so the clock fast-forwards through it (clock.ts)
 *   GET  /faults, POST /faults   { service, throttleRate?, errorRate?, latencyMs?, hang? }
 *   GET  /mutations?service=&action=
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { VirtualClock } from './clock.js';
import type { Faults, MutationLog, SandboxService } from './contracts.js';

export async function startControlServer(deps: { clock: VirtualClock; faults: Faults; log: MutationLog }) {
  const server = createServer((req, res) => {
    handle(deps, req, res).catch((error: unknown) => send(res, 500, { error: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function handle(deps: { clock: VirtualClock; faults: Faults; log: MutationLog }, req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? '/', 'http://sandbox');
  if (url.pathname === '/clock' && req.method === 'GET') return send(res, 200, { now: deps.clock.now(), speed: deps.clock.speed });
  if (url.pathname === '/clock/wait' && req.method === 'GET') {
    const until = Number(url.searchParams.get('until'));
    if (!Number.isFinite(until)) return send(res, 400, { error: 'until must be a virtual time in ms since the epoch' });
    // The sleeper gave up (aborted, or its process ended): it no longer waits for that time.
    const gaveUp = new AbortController();
    res.once('close', () => gaveUp.abort());
    return deps.clock.sleep(until - deps.clock.now(), gaveUp.signal).then(
      () => send(res, 200, { now: deps.clock.now(), speed: deps.clock.speed }),
      () => undefined,
    );
  }
  if (url.pathname === '/clock' && req.method === 'POST') {
    const body = (await readJson(req)) as { advanceMs?: number; speed?: number };
    if (typeof body.speed === 'number') deps.clock.setSpeed(body.speed);
    if (typeof body.advanceMs === 'number') await deps.clock.advance(body.advanceMs);
    return send(res, 200, { now: deps.clock.now(), speed: deps.clock.speed });
  }
  if (url.pathname === '/faults' && req.method === 'GET') return send(res, 200, deps.faults.services);
  if (url.pathname === '/faults' && req.method === 'POST') {
    const { service, ...knobs } = (await readJson(req)) as { service: SandboxService; throttleRate?: number; errorRate?: number; latencyMs?: number };
    deps.faults.services[service] = knobs;
    return send(res, 200, deps.faults.services);
  }
  if (url.pathname === '/mutations' && req.method === 'GET') {
    const service = url.searchParams.get('service') ?? undefined;
    const action = url.searchParams.get('action') ?? undefined;
    return send(res, 200, deps.log.find({ service: service as SandboxService | undefined, action }));
  }
  send(res, 404, { error: `no such sandbox control path: ${req.method} ${url.pathname}` });
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : {};
}

function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
