import { estimateInputs, median, nodeReadyFromHistory, podStartsFromHistory } from '../../../../src/jobs/rollout/estimate.js';
import { planRollout } from '../../../../src/jobs/rollout/plan.js';
import { rolloutSettingsSchema } from '../../../../src/jobs/rollout/settings.js';
import type { RolloutObserved, RolloutPlan } from '../../../../src/jobs/rollout/types.js';
import { args, defaultObserved, pdb, pod } from './fixtures.js';

const T0 = Date.parse('2026-01-04T12:00:00Z');
const SETTINGS = rolloutSettingsSchema.parse({});

function planOf(observed: RolloutObserved): RolloutPlan {
  const outcome = planRollout(observed, args(), T0, SETTINGS);
  if (outcome.kind !== 'plan') throw new Error(outcome.reason);
  return outcome.plan;
}

/** The group launched its current six instances: `boot` s to InService, then `kubelet` s to Node Ready. */
function withLaunchHistory(observed: RolloutObserved, boots: number[], kubelet: number[]): RolloutObserved {
  observed.launches = observed.group.instances.map((instance, i) => {
    const startedAt = T0 + i * 600_000;
    return { instanceId: instance.instanceId, startedAt, inServiceAt: startedAt + boots[i]! * 1000 };
  });
  observed.nodes.forEach((node, i) => (node.readySince = observed.launches[i]!.inServiceAt + kubelet[i]! * 1000));
  return observed;
}

describe('median', () => {
  test.each([
    [[], undefined],
    [[3], 3],
    [[5, 1, 3], 3],
    [[4, 1, 3, 2], 2.5],
  ])('%j -> %s', (values, expected) => expect(median(values)).toBe(expected));
});

describe('node Ready from the group history', () => {
  test('no launches: the stated default, and the plan says so', () => {
    const result = nodeReadyFromHistory(defaultObserved(), SETTINGS);
    expect(result).toEqual({ seconds: 55, basis: 'node Ready 55s: the stated default (no recent launch of eks-prod-workers)' });
  });

  test('median launch → InService plus median InService → Ready (a slow outlier does not move it)', () => {
    const observed = withLaunchHistory(defaultObserved(), [170, 175, 180, 400, 178, 172], [20, 25, 22, 21, 90, 23]);
    const result = nodeReadyFromHistory(observed, SETTINGS);
    expect(result.seconds).toBe(176.5 + 22.5);
    expect(result.basis).toBe('node Ready 3m19s: median launch → InService 2m57s over the last 6 launch(es), InService → Node Ready 23s over 6');
  });

  test('only the latest launches count', () => {
    const observed = withLaunchHistory(defaultObserved(), [40, 40, 40, 40, 40, 40], [15, 15, 15, 15, 15, 15]);
    // Twenty older, slower launches of instances long gone: were they all counted, the median would be theirs.
    const old = Array.from({ length: 20 }, (_, i) => ({ instanceId: `i-gone${i}`, startedAt: T0 - (i + 1) * 86_400_000, inServiceAt: T0 - (i + 1) * 86_400_000 + 300_000 }));
    observed.launches.push(...old);
    expect(nodeReadyFromHistory(observed, SETTINGS).seconds).toBe(55);
  });

  test('launches whose nodes are all gone: the default, with the reason', () => {
    const observed = withLaunchHistory(defaultObserved(), [40, 40, 40, 40, 40, 40], [15, 15, 15, 15, 15, 15]);
    for (const node of observed.nodes) node.readySince = undefined;
    expect(nodeReadyFromHistory(observed, SETTINGS).basis).toBe("node Ready 55s: the stated default (none of eks-prod-workers's recent launches has a Ready node left)");
  });
});

describe('pod start from the workloads', () => {
  test('median start → Ready per controller; pods Ready no later than started teach nothing', () => {
    const observed = defaultObserved();
    observed.pods.forEach((p, i) => {
      if (p.controller?.name !== 'api') return;
      p.startedAt = T0;
      p.readySince = T0 + (i === 0 ? 0 : 30_000 + i * 100);
    });
    const result = podStartsFromHistory(observed, SETTINGS);
    expect(result.byController).toEqual({ 'web/api': 30.6 });
    expect(result.basis).toBe('pod start → Ready (median of running pods): web/api 31s; others 10s (stated default)');
  });

  test("a workload's observed start paces its PDB batches", () => {
    const observed = defaultObserved();
    for (const p of observed.pods) if (p.controller?.name === 'api') Object.assign(p, { startedAt: T0, readySince: T0 + 20_000 });
    // 5 s scale + 55 s node Ready + (6 - 1) * 20 s + max(30, 20) s + 5 s terminate
    expect(planOf(observed).estimate.waveSeconds).toEqual([5 + 55 + 100 + 30 + 5]);
  });
});

describe('the estimate as a whole', () => {
  test('history moves the prediction, and the plan says what it rests on', () => {
    const observed = withLaunchHistory(defaultObserved(), [170, 170, 170, 170, 170, 170], [10, 10, 10, 10, 10, 10]);
    const plan = planOf(observed);
    expect(plan.estimate.waveSeconds).toEqual([5 + 180 + 50 + 30 + 5]);
    expect(plan.estimate.basis[0]).toMatch(/^node Ready 3m: median launch → InService 2m50s/);
    expect(plan.estimate.basis).toEqual(estimateInputs(observed, SETTINGS).basis);
  });

  test('Redis pods a procedure moves go one at a time before the drain; an unknown role is a plain eviction', () => {
    const observed = defaultObserved();
    observed.pdbs = [pdb('web', 'api', { app: 'api' })];
    const redis = (name: string, node: number, role: 'master' | 'replica' | 'unknown') =>
      pod('cache', name, observed.nodes[node]!.name, { controller: { kind: 'StatefulSet', namespace: 'cache', name: 'redis' }, procedure: 'redis-cluster', redisRole: role, graceSeconds: 30 });
    observed.pods.push(redis('redis-0', 0, 'master'), redis('redis-1', 1, 'replica'));
    // 2 × (15 s procedure + 30 s grace + 10 s start) before the api drain (5 × 10 s + 30 s)
    expect(planOf(observed).estimate.waveSeconds).toEqual([5 + 55 + 2 * 55 + 80 + 5]);
    observed.pods.splice(-2, 2, redis('redis-0', 0, 'unknown'), redis('redis-1', 1, 'unknown'));
    // unknown roles: one StatefulSet batch of 2 (no PDB) = 30 + 10, within the api drain
    expect(planOf(observed).estimate.waveSeconds).toEqual([5 + 55 + 80 + 5]);
  });
});
