import { pdbsCovering, selectorMatches, type LabelSelector } from '../../../src/integrations/kubernetes/selectors.js';

const labels = { app: 'api', tier: 'web' };

describe('selectorMatches: metav1.LabelSelector as the API server evaluates it', () => {
  test.each<[string, LabelSelector | undefined, boolean]>([
    ['absent selector selects nothing', undefined, false],
    ['empty selector selects everything (policy/v1)', {}, true],
    ['matchLabels all equal', { matchLabels: { app: 'api' } }, true],
    ['matchLabels one differs', { matchLabels: { app: 'api', tier: 'db' } }, false],
    ['In', { matchExpressions: [{ key: 'app', operator: 'In', values: ['api', 'web'] }] }, true],
    ['In, key absent', { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }, false],
    ['NotIn', { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['api'] }] }, false],
    ['NotIn, key absent', { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, true],
    ['Exists', { matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, true],
    ['DoesNotExist', { matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, false],
    ['labels and expressions both apply', { matchLabels: { app: 'api' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['db'] }] }, false],
    ['an unknown operator selects nothing', { matchExpressions: [{ key: 'app', operator: 'Equals', values: ['api'] }] }, false],
  ])('%s', (_name, selector, want) => expect(selectorMatches(selector, labels)).toBe(want));

  test('pdbsCovering: only PDBs of the pod namespace', () => {
    const pdbs = [
      { namespace: 'web', name: 'a', selector: { matchExpressions: [{ key: 'app', operator: 'Exists' }] } },
      { namespace: 'other', name: 'b', selector: {} },
    ];
    expect(pdbsCovering({ namespace: 'web', labels }, pdbs).map((p) => p.name)).toEqual(['a']);
  });
});
