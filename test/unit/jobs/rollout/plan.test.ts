import { azBalancedWaves, chooseSurge, pdbBudget, planRollout } from '../../../../src/jobs/rollout/plan.js';
import { rolloutSettingsSchema } from '../../../../src/jobs/rollout/settings.js';
import { LOCK_TAG, MANAGED_TAG } from '../../../../src/jobs/rollout/tags.js';
import type { RolloutObserved, RolloutPlan } from '../../../../src/jobs/rollout/types.js';
import { args, AZS, defaultObserved, deployment, instance, pdb, pod, workload } from './fixtures.js';

const NOW = Date.parse('2026-01-05T09:00:00Z');

function planOf(observed: RolloutObserved, extra = {}, settings: unknown = {}): RolloutPlan {
  const outcome = planRollout(observed, args(extra), NOW, rolloutSettingsSchema.parse(settings));
  if (outcome.kind !== 'plan') throw new Error(`expected a plan, got refusal: ${outcome.reason}`);
  return outcome.plan;
}

const zoneOf = (plan: RolloutPlan, id: string) => plan.nodes.find((n) => n.instanceId === id)!.availabilityZone;

describe('planRollout: waves and surge', () => {
  test.each([
    { name: 'default surge: every outdated node in one wave', extra: {}, settings: {}, waves: [6], maxSize: 12 },
    { name: '--surge 3: two waves of one node per AZ', extra: { surge: 3 }, settings: {}, waves: [3, 3], maxSize: 9 },
    { name: 'settings surge 2', extra: {}, settings: { surge: 2 }, waves: [2, 2, 2], maxSize: 9 },
    { name: '--surge beats settings', extra: { surge: 4 }, settings: { surge: 2 }, waves: [4, 2], maxSize: 10 },
    { name: '--canary: one node first, then surge-sized waves', extra: { canary: true, surge: 2 }, settings: {}, waves: [1, 2, 2, 1], maxSize: 9 },
  ])('$name', ({ extra, settings, waves, maxSize }) => {
    const plan = planOf(defaultObserved(), extra, settings);
    expect(plan.waves.map((w) => w.instanceIds.length)).toEqual(waves);
    expect(plan.temporaryMaxSize).toBe(maxSize);
    expect(plan.waves.flatMap((w) => w.instanceIds).sort()).toEqual(plan.nodes.map((n) => n.instanceId).sort());
    expect(plan.waves.map((w) => w.index)).toEqual(waves.map((_, i) => i + 1));
  });

  test('waves of one node per AZ rotate through every zone', () => {
    const plan = planOf(defaultObserved(), { surge: 3 });
    for (const wave of plan.waves) expect(new Set(wave.instanceIds.map((id) => zoneOf(plan, id)))).toEqual(new Set(AZS));
  });

  test('AZ interleave takes the biggest zone first and never puts two of a zone together while others remain', () => {
    const outdated = [instance(1, 'us-east-1a'), instance(2, 'us-east-1a'), instance(3, 'us-east-1a'), instance(4, 'us-east-1b')];
    const waves = azBalancedWaves(outdated, 2, false);
    expect(waves.map((w) => w.instanceIds)).toEqual([
      [outdated[0]!.instanceId, outdated[3]!.instanceId],
      [outdated[1]!.instanceId, outdated[2]!.instanceId],
    ]);
  });

  test('canary marks only the first wave', () => {
    const plan = planOf(defaultObserved(), { canary: true });
    expect(plan.waves.map((w) => w.canary)).toEqual([true, false]);
    expect(plan.waves[1]!.instanceIds).toHaveLength(5);
  });

  test('chooseSurge never exceeds the desired size and is at least 1', () => {
    expect(chooseSurge(50, 50)).toBe(50);
    expect(chooseSurge(50, 20)).toBe(20);
    expect(chooseSurge(0, 6)).toBe(1);
  });

  test('records the original state, settings and every instance at plan time', () => {
    const plan = planOf(defaultObserved(), {}, { taintKey: 'example.com/roll', cordon: true, drainTimeout: '5m' });
    expect(plan.original).toEqual({ desired: 6, min: 3, max: 9, suspendedProcesses: [] });
    expect(plan.instanceIdsAtPlan).toHaveLength(6);
    expect(plan).toMatchObject({ taintKey: 'example.com/roll', cordon: true, drainTimeoutMs: 300_000, nodeReadyTimeoutMs: 600_000, maxUnavailable: 1, autoscalerMode: 'annotate', excludeFromLbLabel: true });
  });

  test('--drain-timeout and --max-unavailable override settings', () => {
    const plan = planOf(defaultObserved(), { drainTimeoutMs: 60_000, maxUnavailable: 0 }, { maxUnavailable: 2 });
    expect(plan.drainTimeoutMs).toBe(60_000);
    expect(plan.maxUnavailable).toBe(0);
  });
});

describe('planRollout: what is outdated', () => {
  test('a second run plans nothing: already up to date', () => {
    const observed = defaultObserved();
    observed.group.instances = observed.group.instances.map((i) => ({ ...i, launchTemplateVersion: '2' }));
    const outcome = planRollout(observed, args(), NOW, rolloutSettingsSchema.parse({}));
    expect(outcome).toMatchObject({ kind: 'plan', empty: true });
    expect(outcome.kind === 'plan' && outcome.emptyReason).toMatch(/already up to date/);
    expect(outcome.kind === 'plan' && outcome.plan.waves).toEqual([]);
  });

  test('instances already terminating are not planned; other template counts as outdated', () => {
    const observed = defaultObserved();
    observed.group.instances[0]!.lifecycleState = 'Terminating';
    observed.group.instances[1]!.launchTemplateVersion = '2';
    observed.group.instances[2]!.launchTemplateId = 'lt-0other';
    observed.group.instances[2]!.launchTemplateVersion = '2';
    const plan = planOf(observed);
    const ids = plan.nodes.map((n) => n.instanceId);
    expect(ids).not.toContain(observed.group.instances[0]!.instanceId);
    expect(ids).not.toContain(observed.group.instances[1]!.instanceId);
    expect(ids).toContain(observed.group.instances[2]!.instanceId);
    expect(ids).toHaveLength(4);
  });

  test('per node: pods to evict with controllers and PDBs, DaemonSet pods flagged', () => {
    const plan = planOf(defaultObserved());
    const node = plan.nodes[0]!;
    expect(node.nodeName).toBe('ip-10-0-1-10.ec2.internal');
    expect(node.pods).toEqual([
      expect.objectContaining({ namespace: 'kube-system', name: 'aws-node-0', daemonSet: true }),
      expect.objectContaining({ namespace: 'web', name: 'api-0', daemonSet: false, controller: deployment('web', 'api'), pdbs: ['web/api'] }),
    ]);
  });

  test('a PDB written with matchExpressions covers the pods it selects (one selector function for planner and drain)', () => {
    const o = defaultObserved();
    o.pdbs = [pdb('web', 'api', {}, { selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['api', 'api-canary'] }] } })];
    expect(planOf(o).nodes[0]!.pods.find((x) => x.name === 'api-0')?.pdbs).toEqual(['web/api']);
    o.pdbs = [pdb('web', 'api', {}, { selector: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['api'] }] } })];
    expect(planOf(o).nodes[0]!.pods.find((x) => x.name === 'api-0')?.pdbs).toEqual([]);
  });

  test('finished pods are not planned', () => {
    const observed = defaultObserved();
    observed.pods.push(pod('batch', 'done-1', observed.nodes[0]!.name, { phase: 'Succeeded' }));
    expect(planOf(observed).nodes[0]!.pods.map((p) => p.name)).not.toContain('done-1');
  });
});

describe('planRollout: refusals', () => {
  test.each([
    {
      name: 'an Instance Refresh is running',
      change: (o: RolloutObserved) => (o.activeInstanceRefresh = 'InProgress'),
      reason: /Instance Refresh is InProgress/,
    },
    { name: 'another rollout holds the lock', change: (o: RolloutObserved) => (o.group.tags[LOCK_TAG] = 'plan-123'), reason: /another rollout \(plan-123\) holds the lock/ },
    {
      name: 'the target cannot be resolved',
      change: (o: RolloutObserved) => {
        o.target = undefined;
        o.targetError = 'no version of lt-0a1b2c3d4e5f60001 uses ami-0ffffffffffffffff';
      },
      reason: /no version of lt-0a1b2c3d4e5f60001 uses ami-0f/,
    },
    { name: 'the group has no launch template', change: (o: RolloutObserved) => (o.target = undefined), reason: /has no launch template/ },
    { name: 'the group lacks the managed tag', change: (o: RolloutObserved) => delete o.group.tags[MANAGED_TAG], reason: /does not carry the tag deckhand:managed=true/ },
    { name: 'the managed tag is not "true"', change: (o: RolloutObserved) => (o.group.tags[MANAGED_TAG] = 'yes'), reason: /does not carry the tag deckhand:managed=true/ },
  ])('$name', ({ change, reason }) => {
    const observed = defaultObserved();
    change(observed);
    const outcome = planRollout(observed, args(), NOW, rolloutSettingsSchema.parse({}));
    expect(outcome.kind).toBe('refusal');
    expect(outcome.kind === 'refusal' && outcome.reason).toMatch(reason);
  });

  test('an untagged group is refused with the command that tags it', () => {
    const observed = defaultObserved();
    delete observed.group.tags[MANAGED_TAG];
    const outcome = planRollout(observed, args(), NOW, rolloutSettingsSchema.parse({}));
    expect(outcome.kind === 'refusal' && outcome.reason).toContain(
      'aws autoscaling create-or-update-tags --tags ResourceId=eks-prod-workers,ResourceType=auto-scaling-group,Key=deckhand:managed,Value=true,PropagateAtLaunch=false',
    );
  });

  test('an unknown --cluster', () => {
    const outcome = planRollout(defaultObserved(), args({ cluster: 'staging' }), NOW, rolloutSettingsSchema.parse({ clusters: { prod: 'ctx-prod' } }));
    expect(outcome).toEqual({ kind: 'refusal', reason: "unknown cluster 'staging'; known: prod" });
  });

});

describe('planRollout: risks', () => {
  function withExtras(): RolloutObserved {
    const o = defaultObserved();
    const [n0, n1, n2] = o.nodes.map((n) => n.name);
    o.pods.push(
      pod('default', 'debug-shell', n0!),
      pod('data', 'redis-ha-0', n0!, { labels: { app: 'redis-ha' }, controller: { kind: 'StatefulSet', namespace: 'data', name: 'redis-ha' }, procedure: 'redis-sentinel', redisRole: 'master' }),
      pod('data', 'redis-ha-1', n1!, { labels: { app: 'redis-ha' }, controller: { kind: 'StatefulSet', namespace: 'data', name: 'redis-ha' }, procedure: 'redis-sentinel', redisRole: 'replica' }),
      pod('cache', 'redis-cache-0', n2!, { controller: { kind: 'StatefulSet', namespace: 'cache', name: 'redis-cache' }, procedure: 'redis-cluster', redisRole: 'master' }),
      pod('data', 'postgres-0', n1!, { labels: { app: 'postgres' }, controller: { kind: 'StatefulSet', namespace: 'data', name: 'postgres' } }),
      pod('jobs', 'queue-consumer-0', n2!, { labels: { app: 'queue-consumer' }, controller: deployment('jobs', 'queue-consumer'), hasEmptyDir: true }),
    );
    o.workloads.push(workload('StatefulSet', 'data', 'postgres', 1), workload('Deployment', 'jobs', 'queue-consumer', 4), workload('StatefulSet', 'data', 'redis-ha', 2));
    o.pdbs.push(pdb('jobs', 'queue-consumer', { app: 'queue-consumer' }, { disruptionsAllowed: 0, currentHealthy: 3, desiredHealthy: 3, expectedPods: 4, maxUnavailable: undefined, minAvailable: 3 }));
    return o;
  }

  test.each([
    ['pdb-blocking', 'jobs/queue-consumer', /allows no disruption now \(3\/3 healthy\)/],
    ['single-replica', 'StatefulSet data/postgres', /one replica/],
    ['bare-pod', 'default/debug-shell', /no controller/],
    ['empty-dir', 'jobs/queue-consumer-0', /emptyDir/],
    ['redis-sentinel-master', 'data/redis-ha-0', /SENTINEL FAILOVER/],
    ['redis-cluster-primary', 'cache/redis-cache-0', /CLUSTER FAILOVER/],
  ])('%s: %s', (kind, subject, detail) => {
    const risk = planOf(withExtras()).risks.find((r) => r.kind === kind && r.subject === subject);
    expect(risk?.detail).toMatch(detail);
  });

  test('a Sentinel replica and a blocking PDB with no pods on old nodes are not risks', () => {
    const o = withExtras();
    o.pdbs.push(pdb('other', 'idle', { app: 'idle' }, { disruptionsAllowed: 0 }));
    const risks = planOf(o).risks;
    expect(risks.find((r) => r.subject === 'data/redis-ha-1')).toBeUndefined();
    expect(risks.find((r) => r.subject === 'other/idle')).toBeUndefined();
  });

  test("deckhand's own pods on nodes the rollout replaces", () => {
    const o = defaultObserved();
    o.pods.push(pod('deckhand', 'deckhand-worker-7f9c-abcde', o.nodes[1]!.name, { labels: { 'app.kubernetes.io/name': 'deckhand' }, controller: deployment('deckhand', 'deckhand-worker') }));
    o.pods.push(pod('web', 'not-deckhand', o.nodes[1]!.name, { labels: { 'app.kubernetes.io/name': 'web' }, controller: deployment('web', 'other') }));
    const risks = planOf(o).risks.filter((r) => r.kind === 'deckhand-itself');
    expect(risks).toEqual([{ kind: 'deckhand-itself', subject: 'deckhand/deckhand-worker-7f9c-abcde', detail: expect.stringContaining(`deckhand's own pod on ${o.nodes[1]!.name}`) }]);
  });

  test('the default world has no risks', () => {
    expect(planOf(defaultObserved()).risks).toEqual([]);
  });

  test('too little room on new nodes for the evicted pods', () => {
    const o = defaultObserved();
    for (const node of o.nodes) node.allocatablePods = 2;
    o.pods.push(pod('web', 'extra-0', o.nodes[0]!.name, { controller: deployment('web', 'extra') }));
    const risks = planOf(o, { surge: 1 }).risks.filter((r) => r.kind === 'capacity');
    expect(risks.map((r) => r.subject)).toEqual(['wave 1']);
    expect(risks[0]!.detail).toMatch(/2 pods to move but its new nodes hold about 1/);
  });

  test('an outdated instance without a node', () => {
    const o = defaultObserved();
    o.nodes.shift();
    expect(planOf(o).risks).toEqual([expect.objectContaining({ kind: 'no-node', subject: o.group.instances[0]!.instanceId })]);
  });
});

describe('planRollout: predicted duration', () => {
  test('one wave: 6 api pods through a maxUnavailable-1 PDB = 5 batches of pod start + the last grace', () => {
    const plan = planOf(defaultObserved());
    // 5 s scale + 55 s node Ready + (6 - 1) * 10 s + max(30, 10) s + 5 s terminate
    expect(plan.estimate.waveSeconds).toEqual([5 + 55 + 50 + 30 + 5]);
    expect(plan.estimate.totalSeconds).toBe(145);
    expect(plan.estimate.model).toMatch(/node Ready/);
  });

  test('waves add up, and the settings feed the model', () => {
    const plan = planOf(defaultObserved(), { surge: 3 }, { estimate: { nodeReadySeconds: 40, podStartSeconds: 20, apiSeconds: 0 } });
    // each wave: 3 api pods -> (3 - 1) * 20 + max(30, 20)
    expect(plan.estimate.waveSeconds).toEqual([40 + 40 + 30, 40 + 40 + 30]);
    expect(plan.estimate.totalSeconds).toBe(220);
  });

  test('pods without a PDB go at once', () => {
    const o = defaultObserved();
    o.pdbs = [];
    expect(planOf(o).estimate.waveSeconds).toEqual([5 + 55 + 30 + 5]);
  });
});

describe('pdbBudget', () => {
  test.each([
    [{ maxUnavailable: 2 }, 2],
    [{ maxUnavailable: '25%', expectedPods: 6 }, 2],
    [{ maxUnavailable: undefined, minAvailable: 4, expectedPods: 6 }, 2],
    [{ maxUnavailable: undefined, minAvailable: '50%', expectedPods: 6 }, 3],
    [{ maxUnavailable: undefined, minAvailable: 6, expectedPods: 6 }, 1],
    [{ maxUnavailable: undefined, minAvailable: undefined, desiredHealthy: 4, expectedPods: 6 }, 2],
  ])('%j -> %d', (extra, budget) => {
    expect(pdbBudget(pdb('ns', 'p', { a: 'b' }, extra))).toBe(budget);
  });
});

describe('planRollout: StatefulSet batches pay the grace period', () => {
  test('3 StatefulSet pods through a maxUnavailable-1 PDB: 3 × (grace + pod start)', () => {
    const o = defaultObserved();
    o.pdbs.push(pdb('search', 'es', { app: 'es' }, { expectedPods: 3 }));
    for (let i = 0; i < 3; i++) o.pods.push(pod('search', `es-${i}`, o.nodes[i]!.name, { labels: { app: 'es' }, controller: { kind: 'StatefulSet', namespace: 'search', name: 'es' }, graceSeconds: 120 }));
    expect(planOf(o).estimate.waveSeconds).toEqual([5 + 55 + 3 * (120 + 10) + 5]);
  });
});

describe('rollbackVersion', () => {
  test('the one numbered version the outdated instances run', () => {
    expect(planOf(defaultObserved()).rollbackVersion).toBe('1');
  });
  test('none when the outdated instances run several versions', () => {
    const o = defaultObserved();
    o.group.instances[0]!.launchTemplateVersion = '3';
    o.target!.version = '4';
    expect(planOf(o).rollbackVersion).toBeUndefined();
  });
});
