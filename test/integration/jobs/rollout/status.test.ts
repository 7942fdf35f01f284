/**
 * Issue 10 item 4: during a run the ETA counts down; a blocker is reported in the thread only once it has lasted
 * BLOCKER_NOTICE_MS (ordinary PDB pacing stays on the status card).
 */
import { BLOCKER_NOTICE_MS } from '../../../../src/jobs/rollout/drain.js';
import { rolloutKind } from '../../../../src/jobs/rollout/index.js';
import { parseDuration } from '../../../../src/time.js';
import { runSteps } from '../../../helpers/step-harness.js';
import { startTestSandbox, type TestSandbox } from '../../../helpers/sandbox.js';
import { planFor as plan } from './plan-for.js';

describe('rollout status and milestones (sandbox)', () => {
  let env: TestSandbox;
  beforeEach(async () => {
    env = await startTestSandbox({ speed: 200, maxAttempts: 3 });
  });
  afterEach(async () => {
    await env.stop();
  });

  test('the ETA counts down through the wave, the drain included; PDB pacing posts no "blocked" milestone', async () => {
    const p = await plan(env);
    const { checkpoint, recorder, error } = await runSteps({ kind: rolloutKind, kindContext: env.workerContext(rolloutKind), plan: p });
    await rolloutKind.cleanup!({ ...env.workerContext(rolloutKind), plan: p, state: checkpoint.state });
    expect(error).toBeUndefined();
    const etas = recorder.statuses.filter((s) => s.eta?.startsWith('~')).map((s) => parseDuration(s.eta!.slice(1))!);
    expect(new Set(etas).size).toBeGreaterThan(3);
    expect(etas).toEqual([...etas].sort((a, b) => b - a));
    expect(recorder.statuses.filter((s) => s.phase?.startsWith('draining')).every((s) => s.eta !== undefined)).toBe(true);
    expect(recorder.milestones.filter((m) => /blocked for/.test(m))).toEqual([]);
  });

  test('a PDB that lets nothing go is reported once it has blocked for BLOCKER_NOTICE_MS, not before', async () => {
    env.faults.blockingPdbs.add('web/api');
    const p = await plan(env, { drainTimeoutMs: 150_000 });
    const { checkpoint, recorder } = await runSteps({ kind: rolloutKind, kindContext: env.workerContext(rolloutKind), plan: p, answer: () => 'abort' });
    await rolloutKind.cleanup!({ ...env.workerContext(rolloutKind), plan: p, state: checkpoint.state });
    const blocked = recorder.milestones.filter((m) => /blocked for/.test(m));
    expect(blocked.length).toBeGreaterThan(0);
    for (const m of blocked) {
      expect(m).toMatch(/PDB web\/api allows no disruption/);
      expect(parseDuration(/blocked for (\S+):/.exec(m)![1]!)).toBeGreaterThanOrEqual(BLOCKER_NOTICE_MS);
    }
  });
});
