import { planRollout } from '../../../../src/jobs/rollout/plan.js';
import { renderRolloutPlan } from '../../../../src/jobs/rollout/render.js';
import { rolloutSettingsSchema } from '../../../../src/jobs/rollout/settings.js';
import type { RolloutObserved, RolloutPlan } from '../../../../src/jobs/rollout/types.js';
import { args, AZS, defaultObserved, deployment, instance, nodeFor, pdb, pod, workload } from './fixtures.js';

function planOf(observed: RolloutObserved, extra = {}): RolloutPlan {
  const outcome = planRollout(observed, args(extra), 0, rolloutSettingsSchema.parse({}));
  if (outcome.kind !== 'plan') throw new Error(outcome.reason);
  return outcome.plan;
}

function sectionTexts(blocks: unknown[]): string[] {
  return blocks.flatMap((b: any) => (b.type === 'section' ? [b.text.text] : b.type === 'context' ? b.elements.map((e: any) => e.text) : []));
}

/** 50 nodes in 3 AZs, 8 pods each, to overflow any inline list. */
function bigObserved(): RolloutObserved {
  const o = defaultObserved();
  o.group.instances = Array.from({ length: 50 }, (_, n) => instance(n + 1, AZS[n % 3]!));
  o.group.desiredCapacity = 50;
  o.group.maxSize = 60;
  o.nodes = o.group.instances.map((i, n) => nodeFor(i, n + 1));
  o.pods = o.nodes.flatMap((node, n) =>
    Array.from({ length: 8 }, (_, k) => pod('web', `svc-${k}-with-a-rather-long-pod-name-${n}`, node.name, { labels: { app: `svc-${k}` }, controller: deployment('web', `svc-${k}`) })),
  );
  o.pdbs = Array.from({ length: 8 }, (_, k) => pdb('web', `svc-${k}`, { app: `svc-${k}` }, { expectedPods: 50 }));
  o.workloads = Array.from({ length: 8 }, (_, k) => workload('Deployment', 'web', `svc-${k}`, 50));
  return o;
}

describe('renderRolloutPlan', () => {
  test('default plan snapshot', () => {
    const rendered = renderRolloutPlan(planOf(defaultObserved(), { canary: true, surge: 3 }));
    expect(rendered.summary).toBe(
      'Rollout eks-prod-workers: replace 6 node(s) with launch template version 2 (ami-0new00000000000002) in 3 wave(s), ~5m15s',
    );
    expect(rendered.blocks).toMatchSnapshot();
    expect(rendered.files?.[0]?.content.split('\n')[0]).toBe('instance,node,zone,namespace,pod,controller,daemonset,pdbs,procedure,role,emptyDir');
  });

  test('up to date: one line, no files', () => {
    const o = defaultObserved();
    o.group.instances = o.group.instances.map((i) => ({ ...i, launchTemplateVersion: '2' }));
    const rendered = renderRolloutPlan(planOf(o));
    expect(rendered.summary).toBe('Rollout eks-prod-workers: already up to date (version 2)');
    expect(rendered.blocks).toHaveLength(1);
    expect(rendered.files).toBeUndefined();
  });

  test('a 50-node plan stays within Block Kit limits and folds the rest into the CSV', () => {
    const rendered = renderRolloutPlan(planOf(bigObserved()));
    expect(rendered.blocks.length).toBeLessThanOrEqual(50);
    for (const text of sectionTexts(rendered.blocks)) expect(text.length).toBeLessThanOrEqual(3000);
    expect(sectionTexts(rendered.blocks).join('\n')).toMatch(/and 38 more node\(s\)/);
    expect(rendered.files?.[0]?.content.trim().split('\n')).toHaveLength(1 + 50 * 8);
  });
});
