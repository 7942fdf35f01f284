import type { KnownBlock } from '@slack/types';
import { planResize } from '../../../../src/jobs/volume-resize/plan.js';
import { renderResizePlan } from '../../../../src/jobs/volume-resize/render.js';
import type { ResizePlan } from '../../../../src/jobs/volume-resize/types.js';
import { args, claim, esClaim, gp2Claim, NOW, observed, stsObserved, settings } from './fixtures.js';

function plan(outcome: ReturnType<typeof planResize>): ResizePlan {
  if (outcome.kind !== 'plan') throw new Error(outcome.reason);
  return outcome.plan;
}

function sectionTexts(blocks: KnownBlock[]): string[] {
  return blocks.flatMap((b) => (b.type === 'section' && b.text ? [b.text.text] : b.type === 'context' ? b.elements.map((e) => ('text' in e ? e.text : '')) : []));
}

function expectWithinSlackLimits(blocks: KnownBlock[]) {
  expect(blocks.length).toBeLessThanOrEqual(50);
  for (const text of sectionTexts(blocks)) expect(text.length).toBeLessThanOrEqual(3000);
}

describe('renderResizePlan', () => {
  it('an offline gp2 claim', () => {
    const rendered = renderResizePlan(plan(planResize(observed([gp2Claim()]), args('data/pgdata-postgres-0', '30Gi'), NOW, settings())));
    expect(rendered.summary).toBe('Resize data/pgdata-postgres-0 20Gi → 30Gi (gp2, offline), +$1.00/month');
    expect(sectionTexts(rendered.blocks).join('\n')).toContain('deckhand will offer to evict it');
    expect(rendered.files).toBeUndefined();
    expect(rendered.blocks).toMatchSnapshot();
  });

  it('an offline claim whose pod has no controller', () => {
    const bare = gp2Claim({ pods: [{ name: 'debug', uid: 'u' }] });
    const rendered = renderResizePlan(plan(planResize(observed([bare]), args('data/pgdata-postgres-0', '30Gi'), NOW, settings())));
    expect(sectionTexts(rendered.blocks).join('\n')).toContain('debug (bare pod)');
    expect(sectionTexts(rendered.blocks).join('\n')).toContain('restart it yourself');
  });

  it('a StatefulSet with the template warning and its commands', () => {
    const rendered = renderResizePlan(plan(planResize(stsObserved([esClaim(0), esClaim(1), esClaim(2)]), args('search/statefulset/es', '75Gi'), NOW, settings())));
    expect(rendered.summary).toBe('Resize StatefulSet search/es: 3 of 3 claim(s) to 75Gi, +$6.00/month');
    expect(sectionTexts(rendered.blocks).join('\n')).toContain('kubectl -n search delete statefulset es --cascade=orphan');
    expectWithinSlackLimits(rendered.blocks);
    expect(rendered.blocks).toMatchSnapshot();
  });

  it('folds a large StatefulSet into a summary and a CSV', () => {
    const claims = Array.from({ length: 40 }, (_, i) => claim({ namespace: 'search', name: `data-big-${i}`, pods: [] }));
    const obs = observed(claims, { namespace: 'search', target: { kind: 'statefulset', name: 'big' }, statefulSet: { name: 'big', replicas: 40, templates: [{ name: 'data', storage: '10Gi' }] } });
    const rendered = renderResizePlan(plan(planResize(obs, args('search/statefulset/big', '20Gi'), NOW, settings())));
    expectWithinSlackLimits(rendered.blocks);
    expect(sectionTexts(rendered.blocks).join('\n')).toContain('… and 30 more claim(s) (400 GiB added in total): see the attached CSV.');
    const csv = rendered.files?.[0]?.content.trim().split('\n') ?? [];
    expect(csv).toHaveLength(41);
    expect(csv[1]).toBe('search,data-big-0,pvc-redis-0,vol-0000000000000a001,gp3,us-east-1a,10Gi,10Gi,20Gi,resize,when-mounted,,0.80');
  });
});
