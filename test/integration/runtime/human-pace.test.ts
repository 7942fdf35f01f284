/**
 * Human pace (ADR 0008): at the sandbox's default 60×, a plan waits for its approver in the time people
 * experience, and the machine's waits (a node booting, a drain) still fast-forward. Before, a plan with a
 * one-minute approval window expired one real second after it was posted.
 */
import { ActionIds } from '../../../src/blocks/action-ids.js';
import { rolloutKind } from '../../../src/jobs/rollout/index.js';
import { startFoundation, type Harness } from '../../helpers/foundation-harness.js';
import { startTestSandbox, type TestSandbox } from '../../helpers/sandbox.js';

const REQUESTER = 'U0REQ';
const APPROVER = 'U0APPROVER';
const POLICY = `planExpiry: 1m\ncommands:\n  rollout:\n    run: '*'\n    approve: ['${APPROVER}']\n`;

/** Virtual and real milliseconds that pass while `wait` runs. */
async function measure(env: TestSandbox, wait: () => Promise<unknown>): Promise<{ virtual: number; real: number }> {
  const [virtualStart, realStart] = [env.clock.now(), Date.now()];
  await wait();
  return { virtual: env.clock.now() - virtualStart, real: Date.now() - realStart };
}

const realSeconds = (s: number) => () => new Promise((r) => setTimeout(r, s * 1000));

describe('the sandbox at human pace', () => {
  let env: TestSandbox;
  let h: Harness;
  beforeEach(async () => {
    env = await startTestSandbox({ speed: 60 });
    h = await startFoundation({ kinds: [rolloutKind], policyYaml: POLICY, clock: env.clock, clients: env, worker: true });
  });
  afterEach(async () => {
    await h.stop();
    await env.stop();
  });

  it('keeps a plan open in real time, fast-forwards the canary wave, and waits for the answer in real time', async () => {
    await h.command('rollout eks-prod-workers --canary', REQUESTER);
    const plan = await h.waitForPlan();

    // Two real seconds with the plan waiting for a person: at 60× before, two virtual minutes, past the window.
    const reviewing = await measure(env, realSeconds(2));
    expect(reviewing.virtual).toBeLessThan(reviewing.real + 1000);
    await h.clickPlan(ActionIds.approve, plan.id, APPROVER);

    // Nobody is part of the canary wave: a node boots (40 s) and the old one drains, faster than real time.
    let question: { ts: string; text?: string } | undefined;
    const canary = await measure(env, async () => {
      question = await h.slack.waitFor(
        () => h.slack.thread(plan.channel, plan.messageTs!).find((m) => JSON.stringify(m.blocks).includes(ActionIds.answer)),
        60_000,
        'the canary question',
      );
    });
    expect(question!.text).toContain('Canary node replaced');
    // At real pace virtual time could never outrun real time (it even stands still while deckhand works); how far
    // ahead it gets depends on how fast the machine runs deckhand (~5× quiet, ~3× with both cores busy).
    expect(canary.virtual).toBeGreaterThan(40_000);
    expect(canary.virtual).toBeGreaterThan(canary.real);

    // The question waits for a person: real time again (the thread's last messages may still pace at 1/s).
    const answering = await measure(env, realSeconds(2));
    expect(answering.virtual).toBeLessThan(answering.real + 10_000);
    await h.click(ActionIds.answer, { planId: plan.id, questionId: 'wave-1/canary', choice: 'abort' }, APPROVER, question!.ts);
    const done = await h.waitForStatus(plan.id, ['succeeded', 'failed', 'cancelled'], 60_000);
    expect(done.status).not.toBe('expired');
  }, 120_000);
});
