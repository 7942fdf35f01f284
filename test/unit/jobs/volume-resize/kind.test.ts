import { resizeKind, summarizeResize } from '../../../../src/jobs/volume-resize/index.js';
import { planResize } from '../../../../src/jobs/volume-resize/plan.js';
import { resizeSteps } from '../../../../src/jobs/volume-resize/steps.js';
import type { ResizePlan } from '../../../../src/jobs/volume-resize/types.js';
import { args, esClaim, NOW, observed, stsObserved, claim, settings } from './fixtures.js';

function esPlan(): ResizePlan {
  const outcome = planResize(stsObserved([esClaim(0, { request: '75Gi', capacity: '75Gi' }), esClaim(1), esClaim(2)]), args('search/statefulset/es', '75Gi'), NOW, settings());
  if (outcome.kind !== 'plan') throw new Error(outcome.reason);
  return outcome.plan;
}

describe('resize kind', () => {
  it('locks the claim or the StatefulSet', () => {
    expect(resizeKind.target(args('data/pgdata-postgres-0', '30Gi'))).toBe('pvc/data/pgdata-postgres-0');
    expect(resizeKind.target(args('search/statefulset/es', '75Gi'))).toBe('statefulset/search/es');
  });

  it('has two steps per claim to grow, in claim order, and none for claims already at size', () => {
    expect(resizeSteps(esPlan()).map((s) => s.id)).toEqual(['search/data-es-1/request', 'search/data-es-1/watch', 'search/data-es-2/request', 'search/data-es-2/watch']);
  });

  it('fingerprints the claims and volumes, not the pods running on them', () => {
    const base = observed([claim()]);
    const restarted = observed([claim({ pods: [{ name: 'redis-ha-0', uid: 'new-uid' }] })]);
    const grown = observed([claim({ request: '20Gi' })]);
    expect(resizeKind.fingerprint(restarted)).toBe(resizeKind.fingerprint(base));
    expect(resizeKind.fingerprint(grown)).not.toBe(resizeKind.fingerprint(base));
  });

  it('summarizes what finished, and the template left to fix', () => {
    const plan = esPlan();
    const state = { volumes: { 'search/data-es-1': { reported: [], result: { pvcCapacity: '75Gi', pvCapacity: '75Gi', filesystem: 'grown' as const } } } };
    expect(summarizeResize(plan, state, 'failed')).toBe(
      [
        'Resize failed after 1 of 2 claim(s).',
        '• search/data-es-1: PVC 75Gi, PV 75Gi',
        '• search/data-es-2: not finished',
        'StatefulSet es still templates 50Gi: see the plan for the commands.',
      ].join('\n'),
    );
  });
});
