import { planResize } from '../../../../src/jobs/volume-resize/plan.js';
import type { ResizePlan } from '../../../../src/jobs/volume-resize/types.js';
import { args, claim, esClaim, gp2Claim, HOUR, NOW, observed, stsObserved, settings } from './fixtures.js';

function planOf(outcome: ReturnType<typeof planResize>): ResizePlan {
  if (outcome.kind !== 'plan') throw new Error(`expected a plan, got: ${outcome.reason}`);
  return outcome.plan;
}

describe('planResize: plans', () => {
  it('grows an online gp3 claim and prices the change', () => {
    const outcome = planResize(observed([claim()]), args('data/redis-data-redis-ha-0', '20Gi'), NOW, settings());
    expect(outcome).toMatchObject({ kind: 'plan', empty: false });
    const [volume] = planOf(outcome).volumes;
    expect(volume).toMatchObject({
      action: 'resize',
      targetQuantity: '20Gi',
      targetGiB: 20,
      currentGiB: 10,
      expansion: 'online',
      volumeId: 'vol-0000000000000a001',
      pricePerGbMonth: 0.08,
      monthlyCostDelta: 0.8,
      pods: [{ name: 'redis-ha-0', controller: 'StatefulSet/redis-ha', recreated: true }],
    });
    expect(planOf(outcome).monthlyCostDelta).toBe(0.8);
  });

  it('predicts a pod restart for the in-tree gp2 class migrated to CSI', () => {
    const [volume] = planOf(planResize(observed([gp2Claim()]), args('data/pgdata-postgres-0', '30Gi'), NOW, settings())).volumes;
    expect(volume).toMatchObject({ expansion: 'offline', targetGiB: 30, monthlyCostDelta: 1 });
  });

  it('says the filesystem grows on the next mount when no pod uses the claim', () => {
    const [volume] = planOf(planResize(observed([claim({ pods: [] })]), args('data/redis-data-redis-ha-0', '20Gi'), NOW, settings())).volumes;
    expect(volume!.expansion).toBe('when-mounted');
  });

  it('rounds +50% up to whole GiB from the current capacity', () => {
    const [volume] = planOf(planResize(observed([claim({ request: '15Gi', capacity: '15Gi' })]), args('data/redis-data-redis-ha-0', '+50%'), NOW, settings())).volumes;
    expect(volume!.targetQuantity).toBe('23Gi');
  });

  it('a second run plans nothing', () => {
    const done = claim({ request: '20Gi', capacity: '20Gi', ebs: { ...claim().ebs!, sizeGiB: 20 } });
    const outcome = planResize(observed([done]), args('data/redis-data-redis-ha-0', '20Gi'), NOW, settings());
    expect(outcome).toMatchObject({ kind: 'plan', empty: true, emptyReason: 'already at 20Gi: nothing to do' });
    expect(planOf(outcome).volumes[0]!.action).toBe('none');
  });

  it('only watches a claim whose request already has the size (a crashed earlier run)', () => {
    const outcome = planResize(observed([claim({ request: '20Gi', capacity: '10Gi' })]), args('data/redis-data-redis-ha-0', '20Gi'), NOW, settings());
    expect(outcome).toMatchObject({ kind: 'plan', empty: false });
    expect(planOf(outcome).volumes[0]).toMatchObject({ action: 'finish', monthlyCostDelta: undefined });
  });

  it('grows every claim of a StatefulSet and says how to fix its template', () => {
    const plan = planOf(planResize(stsObserved([esClaim(0), esClaim(1), esClaim(2)]), args('search/statefulset/es', '75Gi'), NOW, settings()));
    expect(plan.volumes.map((v) => [v.pvc, v.action, v.targetQuantity])).toEqual([
      ['data-es-0', 'resize', '75Gi'],
      ['data-es-1', 'resize', '75Gi'],
      ['data-es-2', 'resize', '75Gi'],
    ]);
    expect(plan.monthlyCostDelta).toBe(6);
    expect(plan.templateFix).toEqual({
      statefulSet: 'es',
      template: 'data',
      currentStorage: '50Gi',
      newStorage: '75Gi',
      commands: [
        'kubectl -n search get statefulset es -o yaml > es.yaml',
        '# in es.yaml set volumeClaimTemplates "data" spec.resources.requests.storage to 75Gi; drop status, metadata.uid and metadata.resourceVersion',
        'kubectl -n search delete statefulset es --cascade=orphan   # pods and claims keep running',
        'kubectl -n search apply -f es.yaml',
      ],
    });
  });

  it('skips StatefulSet claims already at size and resumes the rest', () => {
    const grown = { request: '75Gi', capacity: '75Gi' };
    const plan = planOf(planResize(stsObserved([esClaim(0, grown), esClaim(1, { request: '75Gi' }), esClaim(2)]), args('search/statefulset/es', '75Gi'), NOW, settings()));
    expect(plan.volumes.map((v) => v.action)).toEqual(['none', 'finish', 'resize']);
  });

  it('leaves the cost unknown when the Price List has no answer, and says so', () => {
    const outcome = planResize(observed([claim()], { prices: { gp3: null } }), args('data/redis-data-redis-ha-0', '20Gi'), NOW, settings());
    expect(planOf(outcome).monthlyCostDelta).toBeUndefined();
    expect(outcome.kind === 'plan' && outcome.notes).toEqual(['No Price List answer for gp3 in us-east-1: the cost change is unknown.']);
  });

  it('by default (the current EBS rule) accepts a volume modified three times in the last 24 h', () => {
    const modifications = [{ state: 'completed' as const, startTime: NOW - HOUR, targetSizeGiB: 8 }];
    const recordedModifications = [20, 12].map((h, i) => ({ at: NOW - h * HOUR, fromGiB: 5 + i, toGiB: 6 + i, planId: `p-${i}` }));
    expect(planResize(observed([claim({ modifications, recordedModifications })]), args('data/redis-data-redis-ha-0', '20Gi'), NOW, settings()).kind).toBe('plan');
  });

  it('counts a modification deckhand recorded and AWS reports once', () => {
    const modifications = [{ state: 'completed' as const, startTime: NOW - HOUR + 30_000, targetSizeGiB: 9 }];
    const recordedModifications = [20, 12, 1].map((h, i) => ({ at: NOW - h * HOUR, fromGiB: 6 + i, toGiB: 7 + i, planId: `p-${i}` }));
    expect(planResize(observed([claim({ modifications, recordedModifications })]), args('data/redis-data-redis-ha-0', '20Gi'), NOW, settings()).kind).toBe('plan');
  });

  it('accepts a volume whose last modification is older than the window', () => {
    const modifications = [{ state: 'completed' as const, startTime: NOW - 25 * HOUR }];
    expect(planResize(observed([claim({ modifications })]), args('data/redis-data-redis-ha-0', '20Gi'), NOW, settings()).kind).toBe('plan');
  });

  it('accepts a configured budget of 4 per 24 h that is not used up', () => {
    const modifications = [0, 1, 2].map((i) => ({ state: 'completed' as const, startTime: NOW - (10 + i) * HOUR }));
    const outcome = planResize(observed([claim({ modifications })]), args('data/redis-data-redis-ha-0', '20Gi'), NOW, settings({ modificationsPerWindow: 4, modificationWindow: '24h' }));
    expect(outcome.kind).toBe('plan');
  });
});

describe('planResize: refusals', () => {
  const refusals: [string, Parameters<typeof planResize>[0], string, string, RegExp][] = [
    ['missing claim', observed([], { target: { kind: 'pvc', name: 'nope' } }), 'data/nope', '20Gi', /PersistentVolumeClaim data\/nope was not found/],
    ['missing StatefulSet', observed([], { namespace: 'search', target: { kind: 'statefulset', name: 'nope' } }), 'search/statefulset/nope', '20Gi', /StatefulSet search\/nope was not found/],
    ['shrink below the request', observed([claim({ request: '20Gi', capacity: '20Gi' })]), 'data/redis-data-redis-ha-0', '15Gi', /15 GiB is smaller than the current 20 GiB: volumes never shrink/],
    ['shrink below the capacity', observed([claim({ request: '10Gi', capacity: '30Gi' })]), 'data/redis-data-redis-ha-0', '20Gi', /volumes never shrink/],
    ['unbound claim', observed([claim({ phase: 'Pending' })]), 'data/redis-data-redis-ha-0', '20Gi', /it is Pending, not Bound/],
    [
      'class without expansion',
      observed([claim({ namespace: 'logs', name: 'archive', storageClassName: 'st1-fixed', storageClass: { name: 'st1-fixed', provisioner: 'ebs.csi.aws.com', allowVolumeExpansion: false } })]),
      'logs/archive',
      '600Gi',
      /logs\/archive: its StorageClass "st1-fixed" does not allow volume expansion/,
    ],
    ['missing class', observed([claim({ storageClass: undefined })]), 'data/redis-data-redis-ha-0', '20Gi', /StorageClass "gp3" does not exist/],
    [
      'not EBS',
      observed([claim({ storageClass: { name: 'efs', provisioner: 'efs.csi.aws.com', allowVolumeExpansion: true } })]),
      'data/redis-data-redis-ha-0',
      '20Gi',
      /provisioner "efs.csi.aws.com" is not the EBS CSI driver/,
    ],
    [
      'in-tree class not migrated',
      observed([gp2Claim({ storageProvisioner: 'kubernetes.io/aws-ebs', pv: { name: 'pv', driver: 'kubernetes.io/aws-ebs', volumeId: 'vol-0000000000000a003' } })]),
      'data/pgdata-postgres-0',
      '30Gi',
      /is not migrated to the EBS CSI driver/,
    ],
    ['EBS volume gone', observed([claim({ ebs: undefined })]), 'data/redis-data-redis-ha-0', '20Gi', /EBS volume vol-0000000000000a001 was not found/],
    ['over the gp3 maximum', observed([claim()]), 'data/redis-data-redis-ha-0', '65537Gi', /65537 GiB is above the gp3 maximum of 64 TiB/],
    ['over the gp2 maximum', observed([gp2Claim()]), 'data/pgdata-postgres-0', '17Ti', /17408 GiB is above the gp2 maximum of 16 TiB/],
    [
      'modification in progress',
      observed([claim({ modifications: [{ state: 'optimizing', startTime: NOW - HOUR, originalSizeGiB: 5, targetSizeGiB: 10 }] })]),
      'data/redis-data-redis-ha-0',
      '20Gi',
      /has a modification in progress \(optimizing, 5 → 10 GiB, started 2026-01-05 08:00 UTC\); the next one is possible once it completes/,
    ],
    [
      "rate limited: AWS's latest modification and deckhand's own record of three before it",
      observed([
        claim({
          modifications: [{ state: 'completed', startTime: NOW - 2 * HOUR, endTime: NOW - HOUR, targetSizeGiB: 9 }],
          recordedModifications: [20, 12, 6].map((h, i) => ({ at: NOW - h * HOUR, fromGiB: 5 + i, toGiB: 6 + i, planId: `p-${i}` })),
        }),
      ]),
      'data/redis-data-redis-ha-0',
      '20Gi',
      /modified 4 times in the last 24h \(limit 4\); the next modification is possible at 2026-01-05 13:00 UTC/,
    ],
    [
      'a StatefulSet with one blocked claim',
      stsObserved([esClaim(0), esClaim(1, { modifications: [{ state: 'modifying', startTime: NOW - HOUR }] }), esClaim(2)]),
      'search/statefulset/es',
      '75Gi',
      /^Cannot resize: search\/data-es-1: EBS volume vol-0000000000000a005 has a modification in progress/,
    ],
    [
      'a StatefulSet with several templates',
      observed([], { namespace: 'search', target: { kind: 'statefulset', name: 'es' }, statefulSet: { name: 'es', replicas: 3, templates: [{ name: 'data' }, { name: 'logs' }] } }),
      'search/statefulset/es',
      '75Gi',
      /several volume claim templates \(data, logs\)/,
    ],
    [
      'a StatefulSet without templates',
      observed([], { namespace: 'search', target: { kind: 'statefulset', name: 'es' }, statefulSet: { name: 'es', replicas: 3, templates: [] } }),
      'search/statefulset/es',
      '75Gi',
      /has no volumeClaimTemplates/,
    ],
  ];

  it.each(refusals)('%s', (_name, obs, target, size, reason) => {
    const outcome = planResize(obs, args(target, size), NOW, settings());
    expect(outcome.kind).toBe('refusal');
    expect(outcome.kind === 'refusal' && outcome.reason).toMatch(reason);
  });

  it('follows a configured budget of 4 per 24 h', () => {
    const obs = observed([claim({ modifications: [20, 12, 6, 2].map((h) => ({ state: 'completed' as const, startTime: NOW - h * HOUR })) })]);
    const outcome = planResize(obs, args('data/redis-data-redis-ha-0', '20Gi'), NOW, settings({ modificationsPerWindow: 4, modificationWindow: '24h' }));
    expect(outcome.kind === 'refusal' && outcome.reason).toMatch(/modified 4 times in the last 24h \(limit 4\); the next modification is possible at 2026-01-05 13:00 UTC/);
  });

  it('does not count failed modifications', () => {
    const modifications = [{ state: 'failed' as const, startTime: NOW - 2 * HOUR }];
    expect(planResize(observed([claim({ modifications })]), args('data/redis-data-redis-ha-0', '20Gi'), NOW, settings()).kind).toBe('plan');
  });
});
