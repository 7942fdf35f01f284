/**
 * README "Traces", end to end: `deckhand all` started with OTEL_EXPORTER_OTLP_ENDPOINT exports, over OTLP/HTTP to a
 * receiver on localhost, the spans of an approved rollout: the bot's enqueue, the worker's BullMQ `process` span
 * and its steps under it, all in one trace and named for the process. Its own file: the SDK registers globally.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDeckhand } from '../../../src/runtime.js';
import { slashCommand } from '../../../sandbox/src/slack/signed-client.js';
import { attribute, startOtlpReceiver } from '../../helpers/otlp-receiver.js';
import { testRedis } from '../../helpers/redis-prefix.js';
import { clickApprove, sandboxEndpointsInProcessEnv, startTestSandbox, waitForPlanMessage } from '../../helpers/sandbox.js';

const CHANNEL = 'C0OPS';

describe('traces: startDeckhand with an OTLP endpoint', () => {
  it('exports the spans of a run to the configured endpoint', async () => {
    const env = await startTestSandbox();
    const receiver = await startOtlpReceiver();
    const restoreEndpoints = sandboxEndpointsInProcessEnv(env);
    const dir = mkdtempSync(join(tmpdir(), 'deckhand-policy-'));
    writeFileSync(join(dir, 'policy.yaml'), 'commands:\n  rollout: { run: ["U0ALICE"], approve: ["U0BOB"] }\n');
    const redis = testRedis('traces-startup');
    const deckhand = await startDeckhand('all', {
      env: { ...env.env, PORT: '0', DECKHAND_REDIS_PREFIX: redis.prefix, DECKHAND_CONFIG: join(dir, 'policy.yaml'), LOG_LEVEL: 'silent', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
      clock: env.clock,
    });
    let stopped = false;
    try {
      const botUrl = `http://127.0.0.1:${deckhand.port}`;
      await slashCommand(botUrl, env.env.SLACK_SIGNING_SECRET!, { text: 'rollout eks-prod-workers', user: 'U0ALICE', channel: CHANNEL });
      await clickApprove(env, botUrl, await waitForPlanMessage(env, CHANNEL), 'U0BOB');
      // A step has run once the group grows; stopping then ends the run's spans, and the provider exports them.
      await env.slack.waitFor(() => env.log.find({ action: 'SetDesiredCapacity' })[0], 30_000, 'the first SetDesiredCapacity');
      await deckhand.stop();
      stopped = true;

      const spans = receiver.spans.map((r) => r.span);
      const steps = spans.filter((s) => s.name.startsWith('step rollout/'));
      expect(steps.length).toBeGreaterThan(0);
      const job = spans.find((s) => s.spanId === steps[0]!.parentSpanId);
      expect(job?.name).toMatch(/^process /);
      expect(spans.some((s) => s.name.startsWith('add ') && s.traceId === job!.traceId)).toBe(true);
      expect(attribute(steps[0]!.attributes, 'deckhand.kind')).toBe('rollout');
      // `deckhand all` names itself for its bot; the exporter posts JSON to <endpoint>/v1/traces.
      expect(new Set(receiver.spans.map((r) => r.service))).toEqual(new Set(['deckhand-bot']));
      expect(receiver.contentTypes.every((t) => t.startsWith('application/json'))).toBe(true);
    } finally {
      if (!stopped) await deckhand.stop();
      await redis.close();
      rmSync(dir, { recursive: true, force: true });
      restoreEndpoints();
      await receiver.close();
      await env.stop();
    }
  }, 90_000);
});
