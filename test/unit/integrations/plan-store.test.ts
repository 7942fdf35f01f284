import { createRedis, type RedisClient } from '../../../src/integrations/redis/connections.js';
import { FINISHED_PLAN_RETENTION_MS, PlanStore, newPlanId, type StoredPlan } from '../../../src/integrations/redis/plan-store.js';
import { deleteKeys, uniquePrefix } from '../../helpers/redis-prefix.js';
import { REDIS_TOPOLOGIES, startRedisTopology, type RedisTopology } from '../../helpers/redis-topology.js';
import { until } from '../../helpers/until.js';

function aPlan(overrides: Partial<StoredPlan> = {}): StoredPlan {
  const now = Date.now();
  return {
    id: newPlanId(),
    kind: 'fixture',
    target: 'fixture/a',
    args: { steps: 3, tags: [] },
    plan: { steps: [] },
    fingerprint: 'f1',
    summary: 'Run 3 fixture steps',
    dryRun: false,
    requestedBy: 'U1',
    channel: 'C1',
    status: 'planned',
    createdAt: now,
    expiresAt: now + 30 * 60_000,
    requiredApprovals: 1,
    approvals: [],
    ...overrides,
  };
}

describe.each(REDIS_TOPOLOGIES)('PlanStore on %s Redis', (topologyName) => {
  let topology: RedisTopology;
  let redis: RedisClient;
  let prefix: string;
  let store: PlanStore;

  beforeAll(async () => {
    topology = await startRedisTopology(topologyName);
    redis = createRedis(topology.connection, 'general');
  });
  beforeEach(() => {
    prefix = uniquePrefix('plans');
    store = new PlanStore(redis, prefix);
  });
  afterEach(async () => deleteKeys(redis, prefix));
  afterAll(async () => {
    await redis.quit();
    await topology.stop();
  });

  it('stores and reads back a plan, keeping empty arrays intact', async () => {
    const plan = aPlan();
    await store.create(plan);
    expect(await store.get(plan.id)).toEqual(plan);
    expect(await store.get('p-missing')).toBeUndefined();
  });

  it('refuses to create a plan whose id exists', async () => {
    const plan = aPlan();
    await store.create(plan);
    await expect(store.create({ ...plan, summary: 'other' })).rejects.toThrow(/already exists/);
    expect((await store.get(plan.id))?.summary).toBe(plan.summary);
  });

  it('generates ids safe for BullMQ job ids and URLs', () => {
    const ids = new Set(Array.from({ length: 200 }, () => newPlanId()));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id).toMatch(/^p-[a-z0-9]+$/);
  });

  it('changes a plan atomically under concurrency: exactly one of racing writers wins each version', async () => {
    const plan = aPlan();
    await store.create(plan);
    const attempts = await Promise.all(
      Array.from({ length: 10 }, (_, i) => store.change(plan.id, (p) => (p.status === 'planned' ? { ...p, status: 'approved', decidedBy: `U${i}` } : undefined))),
    );
    const winners = attempts.filter((a) => a.changed);
    expect(winners).toHaveLength(1);
    const stored = await store.get(plan.id);
    expect(stored?.status).toBe('approved');
    expect(stored?.decidedBy).toBe(winners[0]!.plan!.decidedBy);
    // A refused change answers with the plan as it stands, so the caller need not read it again.
    for (const lost of attempts.filter((a) => !a.changed)) expect(lost.plan).toEqual(stored);
    expect(await store.change('p-missing', (p) => p)).toEqual({ changed: false, plan: undefined });
  });

  it('reports the plan as the winning change found it', async () => {
    const plan = aPlan();
    await store.create(plan);
    const result = await store.change(plan.id, (p) => ({ ...p, status: 'approved', id: 'p-other' }));
    expect(result).toEqual({ changed: true, plan: { ...plan, status: 'approved' }, before: plan });
  });

  it('updates fields without changing the id', async () => {
    const plan = aPlan();
    await store.create(plan);
    const updated = await store.update(plan.id, { messageTs: '123.456', id: 'p-other' });
    expect(updated.id).toBe(plan.id);
    expect((await store.get(plan.id))?.messageTs).toBe('123.456');
    await expect(store.update('p-missing', {})).rejects.toThrow(/not found/);
  });

  it('lists a channel newest first, limited', async () => {
    const plans = [1, 2, 3].map((n) => aPlan({ createdAt: 1000 * n, channel: 'C9' }));
    for (const p of plans) await store.create(p);
    await store.create(aPlan({ channel: 'C8' }));
    const listed = await store.listByChannel('C9', 2);
    expect(listed.map((p) => p.id)).toEqual([plans[2]!.id, plans[1]!.id]);
  });

  it('reads a channel without writing; the prune removes only ids of plans that are gone', async () => {
    const old = Date.now() - FINISHED_PLAN_RETENTION_MS - 60_000;
    // Finished plans, so the live-status indexes have nothing to prune here.
    const finished = { channel: 'C7', status: 'succeeded' } as const;
    const [gone, kept, recent] = [aPlan({ ...finished, createdAt: old }), aPlan({ ...finished, createdAt: old + 1 }), aPlan(finished)];
    for (const p of [gone, kept, recent]) await store.create(p);
    await redis.del(`${prefix}:plan:${gone.id}`); // its TTL ran out
    const index = () => redis.zrange(`${prefix}:plans:channel:C7`, '0', '-1');

    expect((await store.listByChannel('C7', 5)).map((p) => p.id)).toEqual([recent.id, kept.id]);
    expect(await index()).toEqual([gone.id, kept.id, recent.id]);

    // Measured on the caller's clock: at the gone plan's own creation time it is not old enough to be checked.
    expect(await store.pruneIndexes(old)).toBe(0);
    expect(await store.pruneIndexes(Date.now())).toBe(1);
    expect(await index()).toEqual([kept.id, recent.id]);
    expect(await store.pruneIndexes(Date.now())).toBe(0);
  });

  it('prunes when due at most once per period, whichever replica asks', async () => {
    const replica = new PlanStore(redis, prefix);
    const old = Date.now() - FINISHED_PLAN_RETENTION_MS - 60_000;
    const index = `${prefix}:plans:channel:C6`;
    const goneAfterAWhile = async () => {
      const plan = aPlan({ createdAt: old, channel: 'C6', status: 'succeeded' });
      await store.create(plan);
      await redis.del(`${prefix}:plan:${plan.id}`);
      return plan.id;
    };
    const periodMs = 1_500;

    await goneAfterAWhile();
    expect(await store.pruneIndexesIfDue(Date.now(), periodMs)).toBe(1);
    const second = await goneAfterAWhile();
    expect(await replica.pruneIndexesIfDue(Date.now(), periodMs)).toBeUndefined();
    expect(await store.pruneIndexesIfDue(Date.now(), periodMs)).toBeUndefined();
    expect(await redis.zrange(index, '0', '-1')).toEqual([second]);

    // Real time: the period is a Redis TTL. Once it ran out, the next to ask prunes.
    expect(await until('the prune to be due again', () => replica.pruneIndexesIfDue(Date.now(), periodMs))).toBe(1);
    expect(await redis.zrange(index, '0', '-1')).toEqual([]);
  });

  it('indexes live statuses so running plans can be found', async () => {
    const a = aPlan();
    const b = aPlan();
    await store.create(a);
    await store.create(b);
    await store.change(a.id, (p) => ({ ...p, status: 'running' }));
    expect((await store.listByStatus('running')).map((p) => p.id)).toEqual([a.id]);
    expect((await store.listByStatus('planned')).map((p) => p.id)).toEqual([b.id]);
    await store.change(a.id, (p) => ({ ...p, status: 'succeeded' }));
    expect(await store.listByStatus('running')).toEqual([]);
  });

  it('reads a live status without writing; the prune removes the ids of undecided plans that expired out of Redis', async () => {
    const [gone, kept] = [aPlan(), aPlan()];
    for (const p of [gone, kept]) await store.create(p);
    await redis.del(`${prefix}:plan:${gone.id}`); // nobody expired it before its TTL ran out
    const index = async () => (await redis.smembers(`${prefix}:plans:status:planned`)).sort();

    expect((await store.listByStatus('planned')).map((p) => p.id)).toEqual([kept.id]);
    expect(await index()).toEqual([gone.id, kept.id].sort());

    expect(await store.pruneIndexes(Date.now())).toBe(1);
    expect(await index()).toEqual([kept.id]);
  });

  it('never expires a running plan and keeps finished ones for the retention period', async () => {
    const plan = aPlan();
    await store.create(plan);
    const key = `${prefix}:plan:${plan.id}`;
    expect(await redis.pttl(key)).toBeGreaterThan(FINISHED_PLAN_RETENTION_MS);
    await store.change(plan.id, (p) => ({ ...p, status: 'running' }));
    expect(await redis.pttl(key)).toBe(-1);
    await store.change(plan.id, (p) => ({ ...p, status: 'failed' }));
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(FINISHED_PLAN_RETENTION_MS - 60_000);
    expect(ttl).toBeLessThanOrEqual(FINISHED_PLAN_RETENTION_MS);
  });
});
