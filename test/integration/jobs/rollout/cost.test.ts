/**
 * A rollout to a launch template version with another instance type shows the monthly cost change on its plan,
 * priced from the sandbox's Price List through the kind's observe; a type the Price List does not price shows
 * "cost change unknown", never $0.
 */
import { readScenario } from '../../../../sandbox/src/index.js';
import { rolloutKind } from '../../../../src/jobs/rollout/index.js';
import { rolloutSettingsSchema } from '../../../../src/jobs/rollout/settings.js';
import type { RolloutArgs } from '../../../../src/jobs/rollout/types.js';
import { startTestSandbox, type TestSandbox } from '../../../helpers/sandbox.js';
import { GROUP } from './plan-for.js';

/** The default scenario plus version 3 (c5.large) and version 4 (a type no Price List prices). */
function scenario() {
  const raw = readScenario('default');
  const template = (raw.aws.launchTemplates as { name: string; versions: Record<string, unknown>[] }[]).find((t) => t.name === GROUP)!;
  const base = template.versions.at(-1)!;
  template.versions.push({ ...base, version: 3, instanceType: 'c5.large' }, { ...base, version: 4, instanceType: 'x9.huge' });
  return raw;
}

describe('rollout plan cost change', () => {
  let env: TestSandbox;
  beforeAll(async () => {
    env = await startTestSandbox({ scenario: scenario(), maxAttempts: 2 });
  });
  afterAll(async () => {
    await env.stop();
  });

  const planText = async (to: string) => {
    const args: RolloutArgs = { group: GROUP, canary: false, dryRun: true, to };
    const observed = await rolloutKind.observe(env.botContext(rolloutKind), args);
    const outcome = rolloutKind.plan(observed, args, env.clock.now(), rolloutSettingsSchema.parse({}));
    if (outcome.kind !== 'plan') throw new Error(outcome.reason);
    return { plan: outcome.plan, text: JSON.stringify(rolloutKind.renderPlan(outcome.plan).blocks) };
  };

  it('prices the change of instance type for every replaced node', async () => {
    const { plan, text } = await planText('3');
    // 6 nodes × 730 h × (0.085 − 0.096)
    expect(plan.costChange).toEqual({ change: 'm5.large → c5.large', count: 6, region: 'us-east-1', monthlyDelta: -48.18 });
    expect(text).toContain('*Cost:* m5.large → c5.large on 6 node(s): -$48.18/month on-demand (us-east-1 list price)');
  });

  it('says the cost change is unknown, and why, when a type has no price', async () => {
    const { plan, text } = await planText('4');
    expect(plan.costChange).toEqual({ change: 'm5.large → x9.huge', count: 6, region: 'us-east-1', unknown: 'no Price List price for x9.huge in us-east-1' });
    expect(text).toContain('cost change unknown (no Price List price for x9.huge in us-east-1)');
    expect(text).not.toContain('$0.00');
  });

  it('shows no cost line when the type does not change', async () => {
    const { plan, text } = await planText('2');
    expect(plan.costChange).toBeUndefined();
    expect(text).not.toContain('*Cost:*');
  });
});
