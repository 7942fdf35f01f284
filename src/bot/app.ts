/**
 * The Bolt app: HTTP receiver on /slack/events (signed requests, 5-minute timestamp window), or
 * Socket Mode when an app-level token is configured. `GET /healthz` answers on the HTTP port in
 * both modes: 200 when Redis answers PING, else 503. `/metrics` and the job dashboard answer there too
 * (ops-routes.ts).
 */
import { App, HTTPReceiver, LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RedisClient } from '../integrations/redis/connections.js';
import { CALL_TIMEOUTS } from '../integrations/call-deadlines.js';
import { honouringRetryAfter } from '../integrations/slack/retry-after-fetch.js';
import type { Logger } from '../logger.js';
import * as deckhandCommand from './commands/deckhand.js';
import type { BotDeps } from './deps.js';
import * as planDecisions from './interactions/plan-decisions.js';
import * as runControls from './interactions/run-controls.js';
import { startExpirySweeper } from './expiry-sweeper.js';
import { opsRoutes, type OpsRoutes } from './ops-routes.js';
import { guarded, MAX_BODY_BYTES } from './request-guard.js';
import * as middleware from './middleware.js';
import { Authorizer, UserGroups } from './policy.js';
import { createTemplates } from '../reports/templates.js';
import { PlanLifecycle } from '../jobs/plan-lifecycle.js';
import { PlanService, type PlanServiceDeps } from '../jobs/plans.js';

const HEALTH_TIMEOUT_MS = 1_000;
const SLACK_ENDPOINT = '/slack/events';

export interface BotApp {
  app: App;
  /** Starts listening; resolves with the HTTP port (the real one when `port` is 0). */
  start(): Promise<number>;
  /** Stops taking requests. */
  stop(): Promise<void>;
}

function boltLogger(log: Logger): BoltLogger {
  const bolt = log.child({ component: 'bolt' });
  let level = LogLevel.INFO;
  const text = (msg: unknown[]) => msg.map((m) => (typeof m === 'string' ? m : JSON.stringify(m))).join(' ');
  return {
    debug: (...msg) => bolt.debug(text(msg)),
    info: (...msg) => bolt.info(text(msg)),
    warn: (...msg) => bolt.warn(text(msg)),
    error: (...msg) => bolt.error(text(msg)),
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}

export async function redisHealthy(redis: RedisClient): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), HEALTH_TIMEOUT_MS);
  });
  try {
    return await Promise.race([redis.ping().then((r) => r === 'PONG'), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

function healthz(redis: RedisClient) {
  return (_req: IncomingMessage, res: ServerResponse) => {
    void redisHealthy(redis).then((ok) => {
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok, redis: ok ? 'up' : 'down' }));
    });
  };
}

/** A bare /healthz server (with the operator routes), for Socket Mode and worker-only processes. */
export async function startHealthServer(port: number, redis: RedisClient, ops?: OpsRoutes): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/healthz') return healthz(redis)(req, res);
    if (ops?.(req, res)) return;
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(port, resolve));
  return server;
}

/** What the composition root hands the bot: its own deps, and what the plans service needs besides. */
export type BotOptions = Omit<BotDeps, 'authorizer' | 'templates' | 'service'> &
  Pick<PlanServiceDeps, 'locks' | 'signals' | 'queue'> & {
    /** A worker-role connection for the plan-expiry task (src/bot/expiry-sweeper.ts). */
    workerConnection: RedisClient;
    expirySweepMs?: number;
  };

export function createBotApp(base: BotOptions): BotApp {
  const { config } = base;
  const logger = boltLogger(base.log);
  // Someone is waiting on the bot's Slack calls: each is bounded and retried twice, not for WebClient's default 30 minutes.
  const clientOptions = {
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    timeout: CALL_TIMEOUTS.slackCallMs,
    retryConfig: { retries: 2 },
    // Bolt hands these options to every WebClient it makes: the one place to count the bot's Slack calls, and to
    // wait out Slack's rate limits (a 429 is not a failure, so it spends none of the two retries).
    fetch: honouringRetryAfter(base.metrics?.slackFetch() ?? fetch, () => base.metrics?.retries.inc({ api: 'slack' })),
  };
  const ops = opsRoutes({ metrics: base.metrics, dashboard: config.dashboard, queue: base.queue });
  let server: Server | undefined;
  let httpServer: Server | undefined;
  let app: App;
  if (config.slack.appToken) {
    app = new App({ token: config.slack.botToken, appToken: config.slack.appToken, socketMode: true, clientOptions, logger });
  } else {
    const receiver = new HTTPReceiver({
      signingSecret: config.slack.signingSecret,
      endpoints: SLACK_ENDPOINT,
      customRoutes: [{ path: '/healthz', method: ['GET'], handler: healthz(base.redis) }],
      // Bodies without a Content-Length (chunked) are cut off here, before the signature is checked.
      bodyLimit: MAX_BODY_BYTES,
      logger,
    });
    app = new App({ token: config.slack.botToken, receiver, clientOptions, logger });
    // Our own server, so that requests are refused before Bolt buffers their bodies (request-guard.ts).
    const slack = guarded(receiver.requestListener, SLACK_ENDPOINT, (status) => base.log.warn({ status }, 'request refused before reading its body'));
    httpServer = createServer((req, res) => ops(req, res) || slack(req, res));
  }
  const authorizer = new Authorizer(config.policy, new UserGroups(app.client));
  const service = new PlanService({
    ...base,
    plans: new PlanLifecycle(base.plans, base.clock),
    authorizer,
    kindSource: { ...base, redisPrefix: config.redisPrefix, settingsFor: (kind) => config.policy.commands[kind]?.settings },
    planExpiryMs: config.policy.planExpiryMs,
  });
  const deps: BotDeps = { ...base, authorizer, service, templates: createTemplates(config.templatesDir) };
  middleware.register(app, deps.log, deps.audit);
  deckhandCommand.register(app, deps);
  planDecisions.register(app, deps);
  runControls.register(app, deps);
  app.error(async (error) => {
    deps.log.error({ err: error }, 'unhandled Bolt error');
  });

  let sweeper: { close(): Promise<void> } | undefined;

  return {
    app,
    async start() {
      sweeper = startExpirySweeper(deps, app.client, base.workerConnection, base.expirySweepMs);
      if (httpServer) {
        server = httpServer;
        await new Promise<void>((resolve) => httpServer!.listen(config.port, resolve));
      } else {
        await app.start();
        server = await startHealthServer(config.port, deps.redis, ops);
      }
      return (server.address() as AddressInfo).port;
    },
    async stop() {
      await sweeper?.close();
      if (!httpServer) await app.stop();
      if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    },
  };
}
