/**
 * Issue 12, traces: a run through the real bot and worker (signed Slack requests, real BullMQ with its
 * telemetry) exports its spans over OTLP/HTTP to a receiver here: one span per step, parented under the job's
 * BullMQ `process` span, in the trace its enqueue started, and the failed step carries error status; a step its
 * worker stops in the middle of ends its span as interrupted, not failed.
 */
import { ActionIds } from '../../../src/blocks/action-ids.js';
import { systemClock, type Clock } from '../../../src/integrations/clock.js';
import { startTracing, type Tracing } from '../../../src/integrations/tracing.js';
import { APPROVER, approverPolicy, REQUESTER, startFixtureFoundation, type Harness } from '../../helpers/foundation-harness.js';
import { attribute, startOtlpReceiver, STATUS_ERROR, type OtlpReceiver } from '../../helpers/otlp-receiver.js';
import { until } from '../../helpers/until.js';

const POLICY = approverPolicy('fixture');
/** A step that waits this long is still running when its worker stops. */
const HANG_MS = 3_600_000;

describe('traces: OTLP/HTTP export of a run', () => {
  let receiver: OtlpReceiver;
  let tracing: Tracing;
  let h: Harness;
  let hanging: () => void;
  const stepHangs = new Promise<void>((resolve) => (hanging = resolve));
  /** The system clock, telling when a step starts its long wait. */
  const clock: Clock = {
    now: () => systemClock.now(),
    sleep: (ms, signal) => {
      if (ms === HANG_MS) hanging();
      return systemClock.sleep(ms, signal);
    },
  };

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    // The general endpoint: the exporter posts to <endpoint>/v1/traces.
    tracing = (await startTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: `${receiver.url}/` }, 'deckhand-worker'))!;
    h = await startFixtureFoundation({ policyYaml: POLICY, tracing, clock });
  });
  let stopped = false;
  /** As on SIGTERM: the workers finish (ending the job's span), then the provider exports what it holds. */
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await h.stop();
    await tracing.shutdown();
  };
  afterAll(async () => {
    await stop();
    await receiver.close();
  });

  const spansOf = (planId: string) => receiver.spans.filter((r) => r.span.name.startsWith('step ') && attribute(r.span.attributes, 'deckhand.plan_id') === planId).map((r) => r.span);

  it('ends the span of a step whose worker stops in the middle of it as interrupted, without error status', async () => {
    const worker = await h.startWorker();
    await h.command(`fixture interrupted --steps 2 --delay-ms ${HANG_MS}`, REQUESTER);
    const plan = await h.waitForPlanFor('fixture/interrupted');
    await h.clickPlan(ActionIds.approve, plan.id, APPROVER);
    await stepHangs;
    await worker.close();

    // Exported with the next batch (every few seconds), the run not being over.
    const [span] = await until('the interrupted step span', () => spansOf(plan.id).length > 0 && spansOf(plan.id), 20_000);
    expect(span!.name).toBe('step fixture/step-1');
    expect(attribute(span!.attributes, 'deckhand.outcome')).toBe('interrupted');
    expect(span!.status?.code ?? 0).not.toBe(STATUS_ERROR);
    expect((await h.plans.get(plan.id))?.status).toBe('running'); // the next worker resumes it
  }, 40_000);

  it('exports a span per step under the job trace, with error status on the failed step', async () => {
    expect(tracing).toBeDefined();
    await h.startWorker();
    await h.command('fixture traced --steps 3 --fail-step step-2 --fail-kind refusal', REQUESTER);
    const plan = await h.waitForPlanFor('fixture/traced');
    await h.clickPlan(ActionIds.approve, plan.id, APPROVER);
    await h.waitForStatus(plan.id, ['failed'], 20_000);
    await stop();

    expect(receiver.contentTypes.every((t) => t.startsWith('application/json'))).toBe(true);
    const steps = spansOf(plan.id);
    expect(steps.map((s) => s.name).sort()).toEqual(['step fixture/step-1', 'step fixture/step-2']);
    const [first, second] = ['step-1', 'step-2'].map((id) => steps.find((s) => s.name === `step fixture/${id}`)!);

    for (const [span, outcome] of [[first!, 'done'], [second!, 'failed']] as const) {
      expect(attribute(span.attributes, 'deckhand.kind')).toBe('fixture');
      expect(attribute(span.attributes, 'deckhand.plan_id')).toBe(plan.id);
      expect(attribute(span.attributes, 'deckhand.outcome')).toBe(outcome);
    }
    expect(first!.status?.code ?? 0).not.toBe(STATUS_ERROR);
    expect(second!.status).toMatchObject({ code: STATUS_ERROR, message: 'step-2 refuses on purpose' });

    // Both steps ran in one BullMQ job: their parent is its `process` span, whose trace the enqueue started.
    const byId = new Map(receiver.spans.map((r) => [r.span.spanId, r]));
    const parent = byId.get(first!.parentSpanId ?? '');
    expect(parent?.span.name).toMatch(/^process /);
    expect(second!.parentSpanId).toBe(parent!.span.spanId);
    const trace = receiver.spans.filter((r) => r.span.traceId === first!.traceId).map((r) => r.span.name);
    expect(trace.some((name) => name.startsWith('add '))).toBe(true);
    expect(new Set(receiver.spans.map((r) => r.service))).toEqual(new Set(['deckhand-worker']));
  });
});
