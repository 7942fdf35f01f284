/**
 * Issue 12, metrics: `/metrics` scraped over HTTP from the bot's port after real runs through the sandbox
 * (signed Slack requests, real BullMQ workers, real SDK clients): the counters moved with the right labels.
 */
import type { AddressInfo } from 'node:net';
import { CoreV1Api } from '@kubernetes/client-node';
import { ActionIds } from '../../../src/blocks/action-ids.js';
import { startHealthServer } from '../../../src/bot/app.js';
import { opsRoutes } from '../../../src/bot/ops-routes.js';
import type { Clients } from '../../../src/integrations/clients.js';
import { createMetrics, type Metrics } from '../../../src/integrations/metrics.js';
import { DESCRIBED_GROUP, describeGroupKind } from '../../helpers/aws-call-kind.js';
import { createFixtureKind } from '../../helpers/fixture-kind.js';
import { startFoundation, type Harness } from '../../helpers/foundation-harness.js';
import { testRedis } from '../../helpers/redis-prefix.js';
import { destroyClients, startTestSandbox, type TestSandbox } from '../../helpers/sandbox.js';

const REQUESTER = 'U0REQ';
const APPROVER = 'U0APPROVER';
const POLICY = [
  'commands:',
  ...['fixture', 'describe-group'].flatMap((kind) => [`  ${kind}:`, "    run: '*'", `    approve: ['${APPROVER}']`]),
  '',
].join('\n');
const SDK_ATTEMPTS = 3;
const GROUP_TARGET = `asg/${DESCRIBED_GROUP}`;

/** The value of one sample of the exposition text, or undefined when it is absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => have[key] === value)) return Number(match[3]);
  }
  return undefined;
}

describe('metrics: /metrics after real runs', () => {
  let env: TestSandbox;
  let metrics: Metrics;
  let bot: Clients;
  let worker: Clients;
  let h: Harness;

  beforeAll(async () => {
    env = await startTestSandbox({ speed: 20, accessLogFile: null });
    metrics = createMetrics(env.clock);
    bot = env.newClients('bot', { metrics });
    worker = env.newClients('worker', { maxAttempts: SDK_ATTEMPTS, metrics });
    h = await startFoundation({
      kinds: ({ redis, prefix }) => [createFixtureKind(redis, prefix), describeGroupKind(redis, prefix)],
      policyYaml: POLICY,
      clients: { bot, worker },
      worker: true,
      metrics,
    });
  });
  afterAll(async () => {
    await h.stop();
    destroyClients(bot);
    destroyClients(worker);
    await env.stop();
  });

  const scrape = async () => {
    const response = await fetch(`${h.botUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    return response.text();
  };

  let lastPlanId: string | undefined;
  const approveAndWait = async (text: string, target: string, statuses: ('succeeded' | 'failed')[], beforeApproval?: () => void) => {
    await h.command(text, REQUESTER);
    const plan = await h.waitForPlanFor(target, lastPlanId);
    lastPlanId = plan.id;
    beforeApproval?.();
    await h.clickPlan(ActionIds.approve, plan.id, APPROVER);
    return h.waitForStatus(plan.id, statuses, 20_000);
  };

  it('counts commands, plans, approvals, the run, its steps and its Slack calls, a 429 included', async () => {
    const before = await scrape();
    expect(sample(before, 'deckhand_jobs_total', { kind: 'fixture', outcome: 'succeeded' })).toBeUndefined();

    await h.command('fixture', REQUESTER); // no name: a usage error
    await h.waitForEphemeral(REQUESTER, /missing <name>/i);
    // Slack rate-limits the first message the worker sends (the status card); the outbox waits Retry-After and sends it again.
    const done = await approveAndWait('fixture metrics-run --steps 2', 'fixture/metrics-run', ['succeeded'], () => h.slack.failNext('chat.postMessage', { retryAfter: 1 }));
    // The run is recorded finished before its summary is delivered: wait for the summary.
    await h.slack.waitFor(() => h.slack.messages(h.channel).find((m) => m.threadTs === done.messageTs && m.text.includes(':large_green_circle:')), 10_000, 'the summary');

    const text = await scrape();
    expect(sample(text, 'deckhand_commands_total', { subcommand: 'fixture', outcome: 'usage_error' })).toBe(1);
    expect(sample(text, 'deckhand_commands_total', { subcommand: 'fixture', outcome: 'ok' })).toBe(1);
    expect(sample(text, 'deckhand_plans_total', { kind: 'fixture', outcome: 'planned' })).toBe(1);
    expect(sample(text, 'deckhand_approvals_total', { decision: 'approve', outcome: 'approved' })).toBe(1);
    expect(sample(text, 'deckhand_jobs_total', { kind: 'fixture', outcome: 'succeeded' })).toBe(1);
    expect(sample(text, 'deckhand_job_duration_seconds_count', { kind: 'fixture', outcome: 'succeeded' })).toBe(1);
    expect(sample(text, 'deckhand_step_duration_seconds_count', { kind: 'fixture' })).toBe(2);
    // The bot posted the plan, the outbox the thread: both through the counted fetch.
    expect(sample(text, 'deckhand_api_calls_total', { api: 'slack', operation: 'chat.postMessage', outcome: 'ok' })).toBeGreaterThanOrEqual(3);
    expect(sample(text, 'deckhand_api_calls_total', { api: 'slack', operation: 'chat.postMessage', outcome: 'rate_limited' })).toBe(1);
    expect(sample(text, 'deckhand_api_rate_limited_total', { api: 'slack' })).toBe(1);
    expect(sample(text, 'deckhand_api_retries_total', { api: 'slack' })).toBe(1);
    // Read from BullMQ at scrape time: nothing is left waiting.
    expect(sample(text, 'deckhand_queue_jobs', { state: 'waiting' })).toBe(0);
    expect(sample(text, 'deckhand_jobs_running', { kind: 'fixture' })).toBeUndefined();
    // Node process metrics.
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(text).not.toContain(done.id);
  });

  it('counts AWS calls by operation, with the SDK retries and every throttled attempt, and the failed run', async () => {
    await approveAndWait('describe-group', GROUP_TARGET, ['succeeded']);
    env.faults.services.autoscaling = { throttleRate: 1 };
    try {
      await approveAndWait('describe-group', GROUP_TARGET, ['failed']);
    } finally {
      env.faults.services = {};
    }

    const text = await scrape();
    const operation = 'AutoScaling.DescribeAutoScalingGroups';
    expect(sample(text, 'deckhand_api_calls_total', { api: 'aws', operation, outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'deckhand_api_calls_total', { api: 'aws', operation, outcome: 'rate_limited' })).toBe(1);
    expect(sample(text, 'deckhand_api_rate_limited_total', { api: 'aws' })).toBe(SDK_ATTEMPTS);
    expect(sample(text, 'deckhand_api_retries_total', { api: 'aws' })).toBe(SDK_ATTEMPTS - 1);
    expect(sample(text, 'deckhand_jobs_total', { kind: 'describe-group', outcome: 'succeeded' })).toBe(1);
    expect(sample(text, 'deckhand_jobs_total', { kind: 'describe-group', outcome: 'failed' })).toBe(1);
  });

  it('counts Kubernetes calls by API method and outcome', async () => {
    const core = bot.kube.makeApiClient(CoreV1Api);
    await core.listNode();
    // Absent, or not the bot's to read: a 4xx either way.
    await expect(core.readNamespacedPod({ namespace: 'default', name: 'no-such-pod' })).rejects.toMatchObject({ code: expect.any(Number) });

    const text = await scrape();
    expect(sample(text, 'deckhand_api_calls_total', { api: 'kubernetes', operation: 'listNode', outcome: 'ok' })).toBe(1);
    expect(sample(text, 'deckhand_api_calls_total', { api: 'kubernetes', operation: 'readNamespacedPod', outcome: 'client_error' })).toBe(1);
  });
});

describe('metrics: Socket Mode', () => {
  it('serves /metrics on the health port, which is the only HTTP port there', async () => {
    const metrics = createMetrics({ now: () => 0, sleep: async () => undefined });
    const h = await startFoundation({ kinds: [], transport: 'socket', metrics });
    try {
      await h.command('help', REQUESTER);
      await h.waitForEphemeral(REQUESTER, /deckhand subcommands/);
      const response = await fetch(`${h.botUrl}/metrics`);
      expect(response.status).toBe(200);
      expect(sample(await response.text(), 'deckhand_commands_total', { subcommand: 'help', outcome: 'ok' })).toBe(1);
    } finally {
      await h.stop();
    }
  });
});

describe('metrics: the bare health server', () => {
  it('serves /metrics when given a registry, and 404 without one', async () => {
    const { redis, close } = testRedis('metrics-health');
    const metrics = createMetrics({ now: () => 0, sleep: async () => undefined });
    const withMetrics = await startHealthServer(0, redis, opsRoutes({ metrics }));
    const without = await startHealthServer(0, redis);
    const url = (server: typeof without) => `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
    try {
      const response = await fetch(url(withMetrics));
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('# TYPE deckhand_jobs_total counter');
      expect((await fetch(url(without))).status).toBe(404);
    } finally {
      await Promise.all([withMetrics, without].map((server) => new Promise((resolve) => server.close(resolve))));
      await close();
    }
  });
});
