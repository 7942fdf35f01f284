import { UsageError } from '../../../../src/errors.js';
import { parseResizeArgs } from '../../../../src/jobs/volume-resize/args.js';
import { GiB } from '../../../../src/jobs/volume-resize/sizes.js';

const raw = (positionals: string[], flags: Record<string, string | boolean | string[]> = {}) => ({ subcommand: 'resize', positionals, flags });

describe('parseResizeArgs', () => {
  it('reads a claim and an absolute size', () => {
    expect(parseResizeArgs(raw(['data/pgdata-postgres-0', '30Gi']))).toEqual({
      namespace: 'data',
      target: { kind: 'pvc', name: 'pgdata-postgres-0' },
      size: { kind: 'absolute', bytes: 30 * GiB },
      sizeText: '30Gi',
      dryRun: false,
    });
  });

  it('reads a StatefulSet, a growth and --dry-run', () => {
    const args = parseResizeArgs(raw(['search/statefulset/es', '+50%'], { 'dry-run': true }));
    expect(args.target).toEqual({ kind: 'statefulset', name: 'es' });
    expect(args.size).toEqual({ kind: 'percent', percent: 50 });
    expect(args.dryRun).toBe(true);
  });

  it('reads --selector with a namespace as the target', () => {
    expect(parseResizeArgs(raw(['search', '+50%'], { selector: 'app=es,tier=data' })).target).toEqual({ kind: 'selector', name: 'app=es,tier=data' });
  });

  it.each([
    ['app', /"app" is not a label selector/],
    ['app=es,', /is not a label selector/],
    ['app in (es)', /is not a label selector/],
  ])('refuses the selector %p', (selector, message) => {
    expect(() => parseResizeArgs(raw(['search', '30Gi'], { selector }))).toThrow(message);
  });

  it('refuses --selector with a claim as the target', () => {
    expect(() => parseResizeArgs(raw(['search/data-es-0', '30Gi'], { selector: 'app=es' }))).toThrow(/With --selector the target is a namespace/);
  });

  it.each([
    [['data/pgdata-postgres-0', 'big'], /"big" is not a size/],
    [['data/pgdata-postgres-0', '30GB'], /"30GB" is not a size/],
    [['data/pgdata-postgres-0'], /Expected a target and a size/],
    [['data/pgdata-postgres-0', '30Gi', 'extra'], /Expected a target and a size/],
    [['pgdata-postgres-0', '30Gi'], /is not <namespace>\/<pvc>/],
    [['data/deployment/api', '30Gi'], /is not <namespace>\/<pvc>/],
    [['Data/x', '30Gi'], /not a valid namespace name/],
  ])('usage error for %p', (positionals, message) => {
    let error: unknown;
    try {
      parseResizeArgs(raw(positionals));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toMatch(message);
    expect((error as UsageError).example).toBe('/deckhand resize data/pgdata-postgres-0 30Gi');
  });
});
