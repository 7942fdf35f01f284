import { inScope, scopeSchema } from '../../../src/jobs/scope.js';

describe('policy scopes', () => {
  test.each([
    [['eks-prod-workers'], ['*'], true],
    [['eks-prod-workers'], ['eks-prod-*'], true],
    [['eks-prod'], ['eks-prod-*'], false],
    [['eks-prod-system'], ['eks-prod-workers'], false],
    [['axb'], ['a.b'], false],
    [['Z0ABC', '10.in-addr.arpa.'], ['10.in-addr.arpa.'], true],
    [['team-a'], ['data', 'team-*'], true],
  ])('%j in %j: %s', (names, scope, expected) => {
    expect(inScope(names, scope)).toBe(expected);
  });

  test('defaults to everything; an empty list or a stray character is refused', () => {
    expect(scopeSchema().parse(undefined)).toEqual(['*']);
    expect(scopeSchema().safeParse([]).success).toBe(false);
    expect(scopeSchema().safeParse(['eks prod']).success).toBe(false);
  });
});
