/**
 * Anonymous large requests against the real bot process (issue 16 item 7): 20 concurrent 3.9 MB bodies,
 * unsigned, forged, or sent without a length, are refused before they are buffered, and the process's resident
 * memory stays bounded (sampled from /proc through the whole burst); a signed command still works afterwards.
 * A signed JSON `null` (it crashed Bolt, bot and worker with it) is refused and the process lives on (item 11).
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { Redis } from 'ioredis';
import { sign } from '../../sandbox/src/slack/signed-client.js';
import { startSlackStandIn, type SlackStandIn } from '../../sandbox/src/slack/web-api.js';
import { runMain, type MainProcess } from '../helpers/main-process.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from '../helpers/redis-prefix.js';

const SECRET = 'signing-secret-for-faults';
const BODY_BYTES = 3.9 * 1024 * 1024;
const CONCURRENT = 20;
/** Headroom over the idle process for sockets, parsers and garbage; buffering the burst would take ~80 MB and more. */
const MAX_GROWTH_BYTES = 48 * 1024 * 1024;

function rssBytes(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

type Kind = 'unsigned' | 'forged' | 'chunked-unsigned' | 'chunked-forged';

/** Sends a large form body; resolves with the status, or 0 when the bot closed the connection mid-upload. */
function send(port: number, kind: Kind): Promise<number> {
  const body = Buffer.alloc(BODY_BYTES, 'a');
  const timestamp = Math.floor(Date.now() / 1000);
  const headers: Record<string, string | number> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (kind.startsWith('chunked')) headers['transfer-encoding'] = 'chunked';
  else headers['content-length'] = body.length;
  if (kind.endsWith('forged')) {
    headers['x-slack-request-timestamp'] = timestamp;
    headers['x-slack-signature'] = sign('not-the-secret', timestamp, body.toString());
  }
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/slack/events', method: 'POST', headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

describe('oversize anonymous requests', () => {
  let slack: SlackStandIn;
  let bot: MainProcess;
  let redis: Redis;
  let port: number;
  const prefix = uniquePrefix('faults-oversize');

  beforeAll(async () => {
    slack = await startSlackStandIn();
    redis = new Redis(REDIS_URL);
    bot = runMain(['bot'], {
      PATH: process.env.PATH,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      SLACK_BOT_TOKEN: slack.tokens.bot,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.url,
      REDIS_URL,
      PORT: '0',
      DECKHAND_REDIS_PREFIX: prefix,
    });
    port = await slack.waitFor(() => Number(/"port":(\d+),"socketMode":false,"msg":"bot listening"/.exec(bot.out())?.[1]) || undefined, 60_000, 'the bot to listen');
  }, 90_000);
  afterAll(async () => {
    if (bot.child.exitCode === null) {
      const exited = new Promise((resolve) => bot.child.once('exit', resolve));
      bot.child.kill('SIGKILL');
      await exited;
    }
    await deleteKeys(redis, prefix);
    await redis.quit();
    await slack.stop();
  });

  it('20 concurrent 3.9 MB bodies of each kind are refused unread; RSS stays bounded; a signed command still works', async () => {
    const pid = bot.child.pid!;
    const baseline = rssBytes(pid);
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 20);
    const statuses: Record<Kind, number[]> = { unsigned: [], forged: [], 'chunked-unsigned': [], 'chunked-forged': [] };
    try {
      for (const kind of Object.keys(statuses) as Kind[]) {
        statuses[kind] = await Promise.all(Array.from({ length: CONCURRENT }, () => send(port, kind)));
      }
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, rssBytes(pid));
    expect(peak - baseline).toBeLessThan(MAX_GROWTH_BYTES);
    // Refused at once (or the connection closed while the client was still uploading: 0), never read and answered.
    const refusedWith = (kind: Kind, status: number) => statuses[kind].every((s) => s === status || s === 0);
    expect(refusedWith('unsigned', 413) && refusedWith('forged', 413) && refusedWith('chunked-unsigned', 401)).toBe(true);
    // Without a length, a signed-looking body is read up to the cap, then refused.
    expect(refusedWith('chunked-forged', 413)).toBe(true);

    expect((await signedPost(helpCommand(), 'application/x-www-form-urlencoded')).status).toBe(200);
  }, 180_000);

  it('a signed JSON `null` body is refused, and the process keeps serving', async () => {
    expect((await signedPost('null', 'application/json')).status).toBe(415);
    expect((await signedPost(helpCommand(), 'application/x-www-form-urlencoded')).status).toBe(200);
    expect(bot.child.exitCode).toBeNull();
  });

  const helpCommand = () =>
    new URLSearchParams({ command: '/deckhand', text: 'help', user_id: 'U0ALICE', channel_id: 'C0OPS', response_url: slack.responseUrl('C0OPS', 'U0ALICE'), team_id: 'T0', trigger_id: '1.2' }).toString();

  function signedPost(body: string, contentType: string): Promise<Response> {
    const timestamp = Math.floor(Date.now() / 1000);
    return fetch(`http://127.0.0.1:${port}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': contentType, 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': sign(SECRET, timestamp, body) },
      body,
    });
  }
});
