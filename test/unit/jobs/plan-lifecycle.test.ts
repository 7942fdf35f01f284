import type { Clock } from '../../../src/integrations/clock.js';
import { createRedis, type RedisClient } from '../../../src/integrations/redis/connections.js';
import { PlanStore, newPlanId, type PlanStatus, type StoredPlan } from '../../../src/integrations/redis/plan-store.js';
import { NEXT_STATUSES, PlanLifecycle, mayMove } from '../../../src/jobs/plan-lifecycle.js';
import { REDIS_URL, deleteKeys, uniquePrefix } from '../../helpers/redis-prefix.js';

const NOW = Date.parse('2026-01-05T09:00:00Z');

function aPlan(overrides: Partial<StoredPlan> = {}): StoredPlan & { status: 'planned' } {
  return {
    id: newPlanId(),
    kind: 'fixture',
    target: 'fixture/a',
    args: {},
    plan: {},
    fingerprint: 'f1',
    summary: 'Run 3 fixture steps',
    dryRun: false,
    requestedBy: 'U1',
    channel: 'C1',
    createdAt: NOW,
    expiresAt: NOW + 30 * 60_000,
    requiredApprovals: 2,
    approvals: [],
    ...overrides,
    status: 'planned',
  };
}

describe('PlanLifecycle', () => {
  let redis: RedisClient;
  let prefix: string;
  let store: PlanStore;
  let lifecycle: PlanLifecycle;
  let now: number;
  const clock: Clock = { now: () => now, sleep: () => Promise.resolve() };

  beforeAll(() => {
    redis = createRedis(REDIS_URL, 'general');
  });
  beforeEach(() => {
    now = NOW;
    prefix = uniquePrefix('lifecycle');
    store = new PlanStore(redis, prefix);
    lifecycle = new PlanLifecycle(store, clock);
  });
  afterEach(async () => deleteKeys(redis, prefix));
  afterAll(async () => {
    await redis.quit();
  });

  it('knows one table of legal moves: finished plans never move again, and nothing runs unapproved', () => {
    const finished: PlanStatus[] = ['succeeded', 'failed', 'cancelled', 'rejected', 'expired'];
    for (const status of finished) expect(NEXT_STATUSES[status]).toEqual([]);
    expect(mayMove('planned', 'running')).toBe(false);
    expect(mayMove('planned', 'succeeded')).toBe(false);
    expect(mayMove('approved', 'succeeded')).toBe(false);
    expect(mayMove('approved', 'rejected')).toBe(false);
    expect(mayMove('running', 'expired')).toBe(false);
    expect(mayMove('running', 'running')).toBe(true);
  });

  it('walks a plan from planned to succeeded, stamping who and when', async () => {
    const plan = aPlan();
    await lifecycle.create(plan);
    const approved = await lifecycle.approve(plan.id, 'U2');
    expect(approved).toMatchObject({ changed: true, plan: { status: 'approved', decidedBy: 'U2' }, before: { status: 'planned' } });
    now += 1_000;
    const started = await lifecycle.start(plan.id);
    expect(started).toMatchObject({ changed: true, plan: { status: 'running', startedAt: NOW + 1_000 }, before: { status: 'approved' } });
    now += 1_000;
    // A resumed attempt takes the run over and keeps the first start time.
    expect(await lifecycle.start(plan.id)).toMatchObject({ changed: true, plan: { startedAt: NOW + 1_000 }, before: { status: 'running' } });
    const finished = await lifecycle.finish(plan.id, 'succeeded', 'all done');
    expect(finished).toMatchObject({ changed: true, plan: { status: 'succeeded', finishedAt: NOW + 2_000, outcome: 'all done' } });
  });

  it('refuses a move the table does not allow, changes nothing, and answers with the plan as it stands', async () => {
    const plan = aPlan();
    await lifecycle.create(plan);
    const rejected = await lifecycle.reject(plan.id, 'U1');
    expect(rejected.plan).toMatchObject({ status: 'rejected', decidedBy: 'U1', finishedAt: NOW });
    const refusals: Promise<{ changed: boolean; plan?: StoredPlan }>[] = [
      lifecycle.approve(plan.id, 'U2'),
      lifecycle.start(plan.id),
      lifecycle.expire(plan.id, 'late'),
      lifecycle.finish(plan.id, 'failed', 'x'),
    ];
    for (const refused of await Promise.all(refusals)) expect(refused).toEqual({ changed: false, plan: rejected.plan });
    expect(await lifecycle.get(plan.id)).toEqual(rejected.plan);
    expect(await lifecycle.approve('p-missing', 'U2')).toEqual({ changed: false, plan: undefined });
  });

  it('lets exactly one of racing decisions win', async () => {
    const plan = aPlan();
    await lifecycle.create(plan);
    const decisions = await Promise.all([
      ...Array.from({ length: 5 }, (_, i) => lifecycle.approve(plan.id, `UA${i}`)),
      lifecycle.reject(plan.id, 'U1'),
      lifecycle.expire(plan.id, 'window closed'),
    ]);
    const winners = decisions.filter((d) => d.changed);
    expect(winners).toHaveLength(1);
    expect((await lifecycle.get(plan.id))?.status).toBe(winners[0]!.plan!.status);
  });

  it('records approvals once per user while planned, even when clicks race, and never after a decision', async () => {
    const plan = aPlan();
    await lifecycle.create(plan);
    await Promise.all([lifecycle.recordApproval(plan.id, 'U2'), lifecycle.recordApproval(plan.id, 'U2'), lifecycle.recordApproval(plan.id, 'U3')]);
    expect((await lifecycle.get(plan.id))!.approvals.map((a) => a.user).sort()).toEqual(['U2', 'U3']);
    const again = await lifecycle.recordApproval(plan.id, 'U2');
    expect(again.changed).toBe(false);
    expect(again.plan?.approvals).toHaveLength(2);
    await lifecycle.expire(plan.id, undefined);
    const late = await lifecycle.recordApproval(plan.id, 'U4');
    expect(late).toMatchObject({ changed: false, plan: { status: 'expired' } });
    expect(late.plan?.approvals).toHaveLength(2);
  });

  it('attaches message timestamps without touching the status', async () => {
    const plan = aPlan();
    await lifecycle.create(plan);
    expect(await lifecycle.attach(plan.id, { messageTs: '1.2' })).toMatchObject({ status: 'planned', messageTs: '1.2' });
    expect((await lifecycle.listByStatus('planned')).map((p) => p.id)).toEqual([plan.id]);
  });

  it('finishes a run that never started (died before its first step, or cancelled while queued)', async () => {
    const failed = aPlan();
    const cancelled = aPlan();
    for (const p of [failed, cancelled]) {
      await lifecycle.create(p);
      await lifecycle.approve(p.id, 'U2');
    }
    expect((await lifecycle.finish(failed.id, 'failed', 'never queued')).plan?.status).toBe<PlanStatus>('failed');
    expect((await lifecycle.finish(cancelled.id, 'cancelled', 'cancelled')).plan?.status).toBe<PlanStatus>('cancelled');
  });
});
