/**
 * The product as `npm run sandbox` runs it (`deckhand all`, the real Slack outbox and its 1 message/s pacing)
 * against the sandbox at its default 60×: virtual time is the simulated world's, not the product's real latency
 * multiplied by 60. Before the clock stood still for busy actors and the outbox paced on the jobs' clock, the
 * first capacity change came ~2 real seconds (~2 virtual minutes) after the click.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDeckhand } from '../../../src/runtime.js';
import { slashCommand } from '../../../sandbox/src/slack/signed-client.js';
import { testRedis } from '../../helpers/redis-prefix.js';
import { clickApprove, sandboxEndpointsInProcessEnv, startTestSandbox, type TestSandbox, waitForPlanMessage } from '../../helpers/sandbox.js';

const CHANNEL = 'C0OPS';

describe('the sandbox clock at 60× against deckhand all', () => {
  let env: TestSandbox;
  afterEach(() => env.stop());

  it('puts the first capacity change seconds, not minutes, of virtual time after the Approve click', async () => {
    env = await startTestSandbox({ speed: 60 });
    const dir = mkdtempSync(join(tmpdir(), 'deckhand-policy-'));
    writeFileSync(join(dir, 'policy.yaml'), 'commands:\n  rollout: { run: ["U0ALICE"], approve: ["U0BOB"] }\n');
    const redis = testRedis('sandbox-clock');
    const restoreEndpoints = sandboxEndpointsInProcessEnv(env);
    const deckhand = await startDeckhand('all', {
      env: { ...env.env, PORT: '0', DECKHAND_REDIS_PREFIX: redis.prefix, DECKHAND_CONFIG: join(dir, 'policy.yaml'), LOG_LEVEL: 'silent' },
      clock: env.clock,
    });
    try {
      const botUrl = `http://127.0.0.1:${deckhand.port}`;
      await slashCommand(botUrl, env.env.SLACK_SIGNING_SECRET!, { text: 'rollout eks-prod-workers', user: 'U0ALICE', channel: CHANNEL });
      const plan = await waitForPlanMessage(env, CHANNEL);
      const clickedAt = env.clock.now();
      await clickApprove(env, botUrl, plan, 'U0BOB');
      const surge = await env.slack.waitFor(() => env.log.find({ action: 'SetDesiredCapacity' })[0], 30_000, 'the first SetDesiredCapacity');
      // The product's own pacing (a few Slack messages at 1/s before the surge, ~5 s) and what a loaded machine adds
      // in the gaps between its requests; before, ~2 virtual minutes.
      expect(surge.at - clickedAt).toBeLessThan(30_000);
    } finally {
      await deckhand.stop();
      await redis.close();
      rmSync(dir, { recursive: true, force: true });
      restoreEndpoints();
    }
  });
});
