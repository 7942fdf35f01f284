/**
 * Issue 12, traces: a run through the real bot and worker (signed Slack requests, real BullMQ with its
 * telemetry) exports its spans over OTLP/HTTP to a receiver here: one span per step, parented under the job's
 * BullMQ `process` span, in the trace its enqueue started, and the failed step carries error status.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ActionIds } from '../../../src/blocks/action-ids.js';
import { startTracing, type Tracing } from '../../../src/integrations/tracing.js';
import { createFixtureKind } from '../../helpers/fixture-kind.js';
import { startFoundation, type Harness } from '../../helpers/foundation-harness.js';

const REQUESTER = 'U0REQ';
const APPROVER = 'U0APPROVER';
const POLICY = ['commands:', '  fixture:', "    run: '*'", `    approve: ['${APPROVER}']`, ''].join('\n');

type AnyValue = { stringValue?: string; intValue?: number | string };
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: { key: string; value: AnyValue }[];
  status?: { code?: number; message?: string };
}
interface Received {
  service: string | undefined;
  span: OtlpSpan;
}
interface OtlpRequest {
  resourceSpans: { resource?: { attributes?: OtlpSpan['attributes'] }; scopeSpans: { spans: OtlpSpan[] }[] }[];
}

const STATUS_ERROR = 2;

function attribute(attributes: OtlpSpan['attributes'], key: string): string | undefined {
  return attributes?.find((a) => a.key === key)?.value.stringValue;
}

/** A minimal OTLP/HTTP traces receiver: records every span posted as JSON to /v1/traces. */
async function startReceiver(): Promise<{ url: string; spans: Received[]; contentTypes: string[]; close(): Promise<void> }> {
  const spans: Received[] = [];
  const contentTypes: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      contentTypes.push(req.headers['content-type'] ?? '');
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpRequest;
      for (const resourceSpans of body.resourceSpans) {
        const service = attribute(resourceSpans.resource?.attributes, 'service.name');
        for (const scope of resourceSpans.scopeSpans) for (const span of scope.spans) spans.push({ service, span });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, spans, contentTypes, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('traces: OTLP/HTTP export of a run', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let tracing: Tracing;
  let h: Harness;

  beforeAll(async () => {
    receiver = await startReceiver();
    // The general endpoint: the exporter posts to <endpoint>/v1/traces.
    tracing = (await startTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: `${receiver.url}/` }, 'deckhand-worker'))!;
    h = await startFoundation({
      kinds: ({ redis, prefix }) => [createFixtureKind(redis, prefix)],
      policyYaml: POLICY,
      worker: true,
      tracing,
    });
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

  it('exports a span per step under the job trace, with error status on the failed step', async () => {
    expect(tracing).toBeDefined();
    await h.command('fixture traced --steps 3 --fail-step step-2 --fail-kind refusal', REQUESTER);
    const plan = await h.waitForPlanFor('fixture/traced');
    await h.clickPlan(ActionIds.approve, plan.id, APPROVER);
    await h.waitForStatus(plan.id, ['failed'], 20_000);
    await stop();

    expect(receiver.contentTypes.every((t) => t.startsWith('application/json'))).toBe(true);
    const steps = receiver.spans.filter((r) => r.span.name.startsWith('step ')).map((r) => r.span);
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
