/**
 * Issue 12, "many processes, one behaviour": 2 bot processes and 3 worker processes on one Redis and one Slack
 * stand-in that enforces Slack's per-channel posting limit. 20 fixture jobs on different targets are started through
 * signed slash commands, each approved by two approvers clicking at once on different bots, and one worker is
 * SIGKILLed while every worker holds runs. Every run succeeds once, each final message is posted once, no plan is
 * approved twice, and no call of the outbox's is answered 429.
 */
import { randomBytes } from 'node:crypto';
import { ActionIds } from '../../../src/blocks/action-ids.js';
import { AuditLog } from '../../../src/integrations/redis/audit.js';
import { createRedis } from '../../../src/integrations/redis/connections.js';
import { createLogger } from '../../../src/logger.js';
import { PlanStore, type StoredPlan } from '../../../src/integrations/redis/plan-store.js';
import { createRunQueue } from '../../../src/jobs/queues.js';
import { click, slashCommand } from '../../../sandbox/src/slack/signed-client.js';
import { startSlackStandIn, type SlackStandIn } from '../../../sandbox/src/slack/web-api.js';
import { fixtureKeys } from '../../helpers/fixture-kind.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from '../../helpers/redis-prefix.js';
import { until } from '../../helpers/until.js';
import { spawnBot, spawnWorker, type WorkerChild } from '../../helpers/worker-child.js';

const REQUESTER = 'U0REQ';
const APPROVERS = ['U0APPROVER1', 'U0APPROVER2'];
const POLICY = `commands:\n  fixture:\n    run: '*'\n    approve: ['${APPROVERS.join("', '")}']\n`;
const CHANNELS = ['C0SCALE1', 'C0SCALE2', 'C0SCALE3', 'C0SCALE4'];
const JOBS_PER_CHANNEL = 5;
const STEPS = 3;
/** Virtual ms per step; the workers' clocks run 20x, so 2 s of real time: runs overlap while a worker dies. */
const STEP_DELAY_MS = 40_000;
/** Slack's 1 post/s per channel, scaled down 10x; the outbox is paced to match. */
const POST_INTERVAL_MS = 100;
const WORKER_CONCURRENCY = 5;

describe('scale: 2 bots and 3 workers behave as one', () => {
  const prefix = uniquePrefix('scale');
  const secret = randomBytes(16).toString('hex');
  const redis = createRedis(REDIS_URL, 'general');
  const queueConnection = createRedis(REDIS_URL, 'queue');
  const queue = createRunQueue(queueConnection, prefix);
  const plans = new PlanStore(redis, prefix);
  let slack: SlackStandIn;
  const children: WorkerChild[] = [];

  afterAll(async () => {
    await Promise.all(children.map((c) => c.kill()));
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await deleteKeys(redis, prefix);
    await Promise.all([redis.quit(), queueConnection.quit()]);
    await slack?.stop();
  });

  it('20 concurrent runs, one worker SIGKILLed: each runs and is reported once, approved once, and Slack never answers the outbox 429', async () => {
    slack = await startSlackStandIn({ postsPerChannel: { intervalMs: POST_INTERVAL_MS, burst: 10 } });
    const env = { REDIS_URL, SLACK_API_URL: slack.url, SLACK_BOT_TOKEN: slack.tokens.bot, DECKHAND_REDIS_PREFIX: prefix };
    const bots = await Promise.all([0, 1].map(() => spawnBot({ ...env, SLACK_SIGNING_SECRET: secret, BOT_POLICY: POLICY })));
    const workers = await Promise.all(
      [0, 1, 2].map(() => spawnWorker(['fixture'], { ...env, CLOCK_SPEED: '20', LOCK_DURATION_MS: '1000', OUTBOX_MIN_INTERVAL_MS: String(POST_INTERVAL_MS) })),
    );
    children.push(...bots, ...workers);

    // Commands: the channels in parallel, each channel's one after the other (as people type), alternating bots.
    const names = (channel: number) => Array.from({ length: JOBS_PER_CHANNEL }, (_, i) => `scale-${channel}-${i}`);
    const planned: StoredPlan[] = (
      await Promise.all(
        CHANNELS.map(async (channel, c) => {
          const mine: StoredPlan[] = [];
          for (const [i, name] of names(c).entries()) {
            const res = await slashCommand(bots[i % 2]!.url, secret, { text: `fixture ${name} --steps ${STEPS} --delay-ms ${STEP_DELAY_MS}`, user: REQUESTER, channel }, { responseUrl: slack.responseUrl(channel, REQUESTER) });
            expect(res.status).toBe(200);
            mine.push(await until(`the plan for ${name}`, async () => (await plans.listByChannel(channel, 10)).find((p) => p.target === `fixture/${name}` && p.messageTs)));
          }
          return mine;
        }),
      )
    ).flat();
    expect(planned).toHaveLength(20);

    // Two approvers click Approve on the same plan at once, each reaching a different bot.
    const clicks = await Promise.all(
      planned.flatMap((plan) =>
        APPROVERS.map((user, b) =>
          click(bots[b]!.url, secret, { actionId: ActionIds.approve, value: JSON.stringify({ planId: plan.id }), user, channel: plan.channel, messageTs: plan.messageTs! }, { responseUrl: slack.responseUrl(plan.channel, user) }),
        ),
      ),
    );
    expect(clicks.every((r) => r.status === 200)).toBe(true);

    // Every worker holds runs: kill one mid-step.
    await until('all workers to be busy', async () => (await queue.getActiveCount()) === 3 * WORKER_CONCURRENCY, 20_000);
    expect(await workers[0]!.kill()).toBe('SIGKILL');

    const keys = fixtureKeys(prefix);
    const finished = await until(
      'every run to finish',
      async () => {
        const now = await Promise.all(planned.map((p) => plans.get(p.id)));
        return now.every((p) => p && ['succeeded', 'failed', 'cancelled'].includes(p.status)) && (now as StoredPlan[]);
      },
      60_000,
    );
    expect(finished.map((p) => p.status)).toEqual(planned.map(() => 'succeeded'));

    // Runs taken over from the dead worker went on where they stopped; no step is missing or out of order.
    let takenOver = 0;
    for (const plan of planned) {
      const runs = await redis.lrange(keys.runsKey(plan.id), 0, -1);
      expect([...new Set(runs)]).toEqual(['step-1', 'step-2', 'step-3']);
      expect(await redis.lrange(keys.cleanupKey(plan.target.slice('fixture/'.length)), 0, -1)).toEqual([`cleanup after ${STEPS} steps`]);
      if (((await queue.getJob(plan.id))?.stalledCounter ?? 0) > 0) takenOver++;
    }
    expect(takenOver).toBeGreaterThan(0);

    // Approved once: both clicks may be recorded as approvals, but one moved the plan to approved and enqueued its job.
    const audit = await new AuditLog(redis, prefix, createLogger('silent')).read(1000);
    for (const plan of finished) {
      const approved = audit.filter((e) => e.planId === plan.id && e.action === 'plan.approved');
      expect(approved.map((e) => ({ actor: e.actor, created: e.details?.created }))).toEqual([{ actor: plan.decidedBy, created: true }]);
    }

    // Each final message once, in its plan's thread, once the outboxes are done.
    const finalFor = (plan: StoredPlan) => slack.thread(plan.channel, plan.messageTs!).filter((m) => m.text.startsWith(':large_green_circle: Fixture'));
    await until('every final message to be delivered', async () => planned.every((p) => finalFor(p).length > 0), 30_000);
    for (const plan of planned) expect(finalFor(plan)).toHaveLength(1);

    // No 429 reached anyone: Slack never had to refuse a post, so the paced outboxes kept under its limit together.
    expect(slack.calls.filter((c) => c.status === 429)).toEqual([]);
    const errors = CHANNELS.flatMap((c) => slack.messages(c)).filter((m) => /rate|error|reference/i.test(m.text));
    expect(errors.map((m) => m.text)).toEqual([]);
  }, 120_000);
});
