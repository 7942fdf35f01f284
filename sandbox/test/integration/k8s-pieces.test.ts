/** Table tests for the sandbox API server's building blocks: selectors, patches, quantities, node capacity. */
import { applyPatch, PatchError } from '../../src/cluster/api/patch.js';
import { nodeResources } from '../../src/cluster/instance-types.js';
import type { KubeObject } from '../../src/cluster/objects.js';
import { parseQuantity, quantityToGiB } from '../../src/cluster/quantity.js';
import { parseClusterScenario } from '../../src/cluster/scenario.js';
import { fieldSelector, labelSelector, SelectorError } from '../../src/cluster/selectors.js';

const pod = (labels: Record<string, string>, nodeName = 'node-a'): KubeObject =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'web', labels }, spec: { nodeName }, status: { phase: 'Running' } }) as unknown as KubeObject;

describe('label selectors', () => {
  it.each([
    ['app=api', { app: 'api' }, true],
    ['app==api', { app: 'api' }, true],
    ['app!=api', { app: 'api' }, false],
    ['app!=api', {}, true],
    ['app', { app: 'x' }, true],
    ['!app', { app: 'x' }, false],
    ['app in (api, web)', { app: 'web' }, true],
    ['app notin (api,web)', { app: 'web' }, false],
    ['app in (api,web),tier=front', { app: 'api', tier: 'front' }, true],
    ['app in (api,web),tier=front', { app: 'api', tier: 'back' }, false],
    ['eks.amazonaws.com/nodegroup=eks-prod-workers', { 'eks.amazonaws.com/nodegroup': 'eks-prod-workers' }, true],
  ])('%s on %j → %s', (selector, labels, expected) => {
    expect(labelSelector(selector)(pod(labels))).toBe(expected);
  });

  it('rejects what the API server rejects', () => {
    expect(() => labelSelector('app in api')).toThrow(SelectorError);
  });
});

describe('field selectors', () => {
  it.each([
    ['spec.nodeName=node-a', true],
    ['spec.nodeName=node-b', false],
    ['spec.nodeName!=node-b,status.phase=Running', true],
    ['metadata.namespace=web,metadata.name=p', true],
  ])('%s → %s', (selector, expected) => {
    expect(fieldSelector(selector)(pod({}))).toBe(expected);
  });
});

describe('patches', () => {
  const node = { metadata: { labels: { a: '1', b: '2' } }, spec: { taints: [{ key: 'x', effect: 'NoSchedule' }] } };

  it('merge patch: null deletes, objects merge, lists are replaced', () => {
    expect(applyPatch('application/merge-patch+json', node, { metadata: { labels: { a: null, c: '3' } }, spec: { taints: [] } })).toEqual({
      metadata: { labels: { b: '2', c: '3' } },
      spec: { taints: [] },
    });
  });

  it('strategic merge patch ignores directives and replaces lists', () => {
    const patched = applyPatch('application/strategic-merge-patch+json', node, { spec: { unschedulable: true, $setElementOrder: [] } });
    expect(patched).toEqual({ ...node, spec: { ...node.spec, unschedulable: true } });
  });

  it('JSON patch: add, remove, replace, test, with escaped pointers', () => {
    const patched = applyPatch('application/json-patch+json', { metadata: { labels: { 'a/b': 'x' } }, spec: { taints: [] as unknown[] } }, [
      { op: 'test', path: '/metadata/labels/a~1b', value: 'x' },
      { op: 'remove', path: '/metadata/labels/a~1b' },
      { op: 'add', path: '/spec/taints/-', value: { key: 'k', effect: 'NoSchedule' } },
      { op: 'add', path: '/spec/unschedulable', value: true },
    ]);
    expect(patched).toEqual({ metadata: { labels: {} }, spec: { taints: [{ key: 'k', effect: 'NoSchedule' }], unschedulable: true } });
  });

  it('JSON patch fails on a failed test or a missing path', () => {
    expect(() => applyPatch('application/json-patch+json', node, [{ op: 'test', path: '/metadata/labels/a', value: '9' }])).toThrow(PatchError);
    expect(() => applyPatch('application/json-patch+json', node, [{ op: 'remove', path: '/metadata/annotations/z' }])).toThrow(PatchError);
    expect(() => applyPatch('application/apply-patch+yaml', node, {})).toThrow(PatchError);
  });
});

describe('quantities and node capacity', () => {
  it.each([
    ['250m', 0.25],
    ['2', 2],
    ['128Mi', 128 * 2 ** 20],
    ['10Gi', 10 * 2 ** 30],
    ['1G', 1e9],
  ])('%s = %d', (text, value) => {
    expect(parseQuantity(text)).toBe(value);
  });

  it('rounds storage up to whole GiB like EBS', () => {
    expect(quantityToGiB('10Gi')).toBe(10);
    expect(quantityToGiB('10.5Gi')).toBe(11);
    expect(() => parseQuantity('ten')).toThrow();
  });

  it('gives an m5.large the EKS allocatable', () => {
    const r = nodeResources('m5.large');
    expect(r.allocatable.cpu).toBe('1930m');
    expect(parseQuantity(r.allocatable.memory) / 2 ** 30).toBeCloseTo(7.34, 1);
    expect(r.allocatable.pods).toBe('29');
  });
});

describe('scenario volumes', () => {
  it('keeps a claim volume a claim and defaults an emptyDir', () => {
    const scenario = parseClusterScenario({
      workloads: [
        {
          kind: 'Deployment',
          namespace: 'logs',
          name: 'archiver',
          labels: { app: 'archiver' },
          containers: [{ name: 'a', image: 'a:1' }],
          volumes: [{ name: 'archive', claimName: 'archive' }, { name: 'cache', emptyDir: {} }, { name: 'tmp' }],
        },
      ],
    });
    expect(scenario.workloads[0]!.volumes).toEqual([{ name: 'archive', claimName: 'archive' }, { name: 'cache', emptyDir: {} }, { name: 'tmp', emptyDir: {} }]);
  });
});
