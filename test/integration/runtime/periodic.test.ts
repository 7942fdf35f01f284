/**
 * Periodic tasks shared by replicas (src/jobs/periodic.ts): however many processes start one, each tick runs once;
 * and the bots' plan expiry keeps its promise with the product's default period.
 */
import { Queue } from 'bullmq';
import { ActionIds } from '../../../src/blocks/action-ids.js';
import { INDEX_PRUNE_MS, DEFAULT_EXPIRY_SWEEP_MS, EXPIRY_QUEUE } from '../../../src/bot/expiry-sweeper.js';
import { createRedis } from '../../../src/integrations/redis/connections.js';
import { FINISHED_PLAN_RETENTION_MS, type StoredPlan } from '../../../src/integrations/redis/plan-store.js';
import { startPeriodic } from '../../../src/jobs/periodic.js';
import { createLogger } from '../../../src/logger.js';
import { CHANNEL, startFixtureFoundation } from '../../helpers/foundation-harness.js';
import { deleteKeys, uniquePrefix } from '../../helpers/redis-prefix.js';
import { REDIS_TOPOLOGIES, startRedisTopology } from '../../helpers/redis-topology.js';
import { until } from '../../helpers/until.js';

const log = createLogger('silent');
const POLICY = "commands:\n  fixture:\n    run: '*'\n    approve: ['U0APPROVER']\n";

describe('periodic tasks', () => {
  it.each(REDIS_TOPOLOGIES)('three replicas starting the same task on %s Redis run each tick once, not once per replica', async (topologyName) => {
    const topology = await startRedisTopology(topologyName);
    const prefix = uniquePrefix('periodic');
    const connections = [0, 1, 2].map(() => createRedis(topology.connection, 'worker'));
    const ticks: number[] = [];
    const everyMs = 100;
    const started = Date.now();
    const replicas = connections.map((connection) => startPeriodic({ name: 'test-tick', everyMs, connection, prefix, log, run: async () => ticks.push(Date.now()) }));
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_500)); // real time: BullMQ schedules on the wall clock
    } finally {
      await Promise.all(replicas.map((r) => r.close()));
    }
    const window = Date.now() - started;
    // One run per elapsed period at most (a timer per replica would make about three); at least a few ran.
    expect(ticks.length).toBeLessThanOrEqual(Math.ceil(window / everyMs) + 1);
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    await deleteKeys(connections[0]!, prefix);
    await Promise.all(connections.map((c) => c.quit()));
    await topology.stop();
  }, 40_000);

  it(`with the default period (${DEFAULT_EXPIRY_SWEEP_MS / 1000} s), an undecided plan loses its buttons that long after it expires`, async () => {
    const h = await startFixtureFoundation({ policyYaml: POLICY, expirySweepMs: 'product' });
    const schedulers = new Queue(EXPIRY_QUEUE, { connection: h.redis, prefix: h.prefix });
    try {
      const scheduler = await until('the expiry scheduler', () => schedulers.getJobScheduler(EXPIRY_QUEUE));
      expect(scheduler.every).toBe(DEFAULT_EXPIRY_SWEEP_MS);
      await h.command('fixture expiring', 'U0REQ');
      const plan = await h.waitForPlan();
      const hasButtons = () => JSON.stringify(h.planMessage(plan).blocks).includes(ActionIds.approve);
      expect(hasButtons()).toBe(true);
      const expiredAt = Date.now();
      await h.plans.update(plan.id, { expiresAt: expiredAt });
      const goneAt = await h.slack.waitFor(() => !hasButtons() && Date.now(), DEFAULT_EXPIRY_SWEEP_MS + 10_000, 'the buttons to go');
      // One period, plus the sweep's own Redis and Slack round trips.
      expect(goneAt - expiredAt).toBeLessThanOrEqual(DEFAULT_EXPIRY_SWEEP_MS + 1_000);
      expect((await h.plans.get(plan.id))?.status).toBe('expired');
    } finally {
      await schedulers.close();
      await h.stop();
    }
  }, 30_000);

  it(`expires plans every tick but prunes the plan indexes once per ${INDEX_PRUNE_MS / 1000} s`, async () => {
    const h = await startFixtureFoundation({ policyYaml: POLICY });
    try {
      const plans = [];
      for (const n of [1, 2, 3]) {
        await h.command(`fixture expiring-${n}`, 'U0REQ');
        plans.push(await h.waitForPlanFor(`fixture/expiring-${n}`));
      }
      const expireAndWaitForTick = async (plan: StoredPlan) => {
        await h.plans.update(plan.id, { expiresAt: Date.now() });
        await h.slack.waitFor(() => !JSON.stringify(h.planMessage(plan).blocks).includes(ActionIds.approve), 10_000, 'the buttons to go');
      };
      await expireAndWaitForTick(plans[0]!); // a tick ran: the first one prunes
      // The id of a plan that expired out of Redis long ago: any prune from now on would remove it.
      const index = `${h.prefix}:plans:channel:${CHANNEL}`;
      await h.redis.zadd(index, Date.now() - FINISHED_PLAN_RETENTION_MS - 60_000, 'p-gone');
      await expireAndWaitForTick(plans[1]!);
      await expireAndWaitForTick(plans[2]!); // the tick before it, and its prune, are over
      expect(await h.redis.zrange(index, '0', '-1')).toContain('p-gone');
    } finally {
      await h.stop();
    }
  }, 30_000);
});
