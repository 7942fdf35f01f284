/**
 * What the Approve path costs, pinned end to end (signed click, real Redis, a real BullMQ worker): from the
 * click to the first step the plan is read once and the target lock is taken once. The worker confirms
 * (extends) the lock the approval handed over instead of taking it again.
 */
import { jest } from '@jest/globals';
import { z } from 'zod';
import { ActionIds } from '../../../src/blocks/action-ids.js';
import { TargetLocks } from '../../../src/integrations/redis/locks.js';
import { PlanStore } from '../../../src/integrations/redis/plan-store.js';
import type { JobKind } from '../../../src/jobs/kind.js';
import { APPROVER, approverPolicy, REQUESTER, startFoundation, type Harness } from '../../helpers/foundation-harness.js';

const POLICY = approverPolicy('path');
const HOUR_MS = 3_600_000;

interface Counts {
  planGets: number;
  planDocumentReads: number;
  lockTakes: number;
  lockConfirms: number;
}

/** A kind whose first step reports what the path from the click cost. */
function pathKind(atFirstStep: () => void): JobKind {
  return {
    command: { subcommand: 'path', summary: 'Measure the approve path', usage: '/deckhand path', example: '/deckhand path', flags: [] },
    mutating: true,
    settingsSchema: z.object({}).strict(),
    parseArgs: () => ({}),
    isDryRun: () => false,
    target: () => 'path/one',
    observe: async () => ({}),
    fingerprint: () => 'same',
    plan: () => ({ kind: 'plan', plan: {}, empty: false }),
    renderPlan: () => ({ summary: 'one step', blocks: [] }),
    initialState: () => ({}),
    steps: () => [{ id: 'first', title: 'First', run: async () => atFirstStep() }],
    summarize: () => 'done',
  };
}

describe('foundation: the approve path', () => {
  let h: Harness;
  const spies: { mockRestore(): void }[] = [];

  afterEach(async () => {
    for (const spy of spies.splice(0)) spy.mockRestore();
    await h.stop();
  });

  it('reads the plan once and takes the target lock once from the Approve click to the first step', async () => {
    const counts: Counts = { planGets: 0, planDocumentReads: 0, lockTakes: 0, lockConfirms: 0 };
    let reportFirstStep!: (at: Counts) => void;
    const firstStep = new Promise<Counts>((resolve) => (reportFirstStep = resolve));
    // Nothing else touches plans while the click is measured: no expiry sweep, the worker's start-up sweep is
    // done, and the test waits on the first step itself instead of polling the plan.
    h = await startFoundation({ kinds: [pathKind(() => reportFirstStep({ ...counts }))], policyYaml: POLICY, expirySweepMs: HOUR_MS });
    await h.startWorker({ deadRunSweepMs: HOUR_MS });
    await h.command('path', REQUESTER);
    const plan = await h.waitForPlan();

    const count = <T extends object>(proto: T, method: string, field: keyof Counts) => {
      const target = proto as Record<string, (...args: unknown[]) => unknown>;
      const original = target[method]!;
      spies.push(
        jest.spyOn(target, method).mockImplementation(function (this: unknown, ...args: unknown[]) {
          counts[field]++;
          return original.apply(this, args);
        }),
      );
    };
    count(PlanStore.prototype, 'get', 'planGets');
    // Every read of the stored document, including the one inside each compare-and-set.
    count(PlanStore.prototype, 'read', 'planDocumentReads');
    count(TargetLocks.prototype, 'acquire', 'lockTakes');
    count(TargetLocks.prototype, 'extend', 'lockConfirms');

    await h.click(ActionIds.approve, { planId: plan.id }, APPROVER, plan.messageTs!);
    expect(await firstStep).toEqual({ planGets: 1, lockTakes: 1, lockConfirms: 1, planDocumentReads: 4 });
    expect((await h.waitForStatus(plan.id, ['succeeded'])).decidedBy).toBe(APPROVER);
  });
});
