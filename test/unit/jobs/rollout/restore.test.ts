import { chooseSurplus, type SurplusCandidate } from '../../../../src/jobs/rollout/restore.js';

const c = (instanceId: string, extra: Partial<SurplusCandidate> = {}): SurplusCandidate => ({ instanceId, serving: true, pods: 0, redis: false, launchedByRun: false, ...extra });

describe('chooseSurplus: which instances give the surge back', () => {
  test.each([
    { name: 'not yet serving before serving', candidates: [c('i-1'), c('i-2', { serving: false })], surplus: 1, want: ['i-2'] },
    { name: 'fewest pods first', candidates: [c('i-1', { pods: 3 }), c('i-2', { pods: 1 }), c('i-3', { pods: 2 })], surplus: 2, want: ['i-2', 'i-3'] },
    { name: 'on a tie, what this run launched', candidates: [c('i-1'), c('i-2', { launchedByRun: true })], surplus: 1, want: ['i-2'] },
    { name: 'never a node with Redis pods, even if that leaves surplus', candidates: [c('i-1', { redis: true }), c('i-2', { pods: 9 })], surplus: 2, want: ['i-2'] },
    { name: 'nothing when there is no surplus', candidates: [c('i-1')], surplus: 0, want: [] },
    { name: 'nothing when desired is below the original', candidates: [c('i-1')], surplus: -1, want: [] },
  ])('$name', ({ candidates, surplus, want }) => {
    expect(chooseSurplus(candidates, surplus)).toEqual(want);
  });
});
