/**
 * Tracing is opt-in: without an OTLP endpoint, `startTracing` loads none of the SDK (checked by recording every
 * import of its modules) and the process keeps @opentelemetry/api's no-op tracer, so nothing is ever exported.
 * Where spans go follows the OTLP rule: the traces endpoint as given, else the general one + `/v1/traces`.
 */
import { jest } from '@jest/globals';
import { trace } from '@opentelemetry/api';

const SDK_MODULES = [
  '@opentelemetry/sdk-trace-node',
  '@opentelemetry/exporter-trace-otlp-http',
  '@opentelemetry/resources',
  '@opentelemetry/semantic-conventions',
  'bullmq-otel',
];
const loaded: string[] = [];
for (const name of SDK_MODULES) {
  jest.unstable_mockModule(name, () => {
    loaded.push(name);
    return {};
  });
}
const { startTracing, tracesUrl } = await import('../../../src/integrations/tracing.js');

describe('tracing configuration', () => {
  it('without an endpoint loads nothing and leaves the no-op tracer in place', async () => {
    expect(await startTracing({ OTEL_SERVICE_NAME: 'ignored', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }, 'deckhand-worker')).toBeUndefined();
    expect(loaded).toEqual([]);
    const span = trace.getTracer('deckhand').startSpan('probe');
    expect(span.isRecording()).toBe(false);
    span.end();
  });

  it('with an endpoint imports the SDK', async () => {
    // The mocks are empty, so building the provider fails: what matters is that the SDK was asked for.
    await expect(startTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }, 'deckhand-worker')).rejects.toThrow();
    expect(loaded.sort()).toEqual([...SDK_MODULES].sort());
  });

  it('sends to the traces endpoint, else to the general endpoint under /v1/traces', () => {
    expect(tracesUrl({})).toBeUndefined();
    expect(tracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe('http://collector:4318/v1/traces');
    expect(tracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toBe('http://collector:4318/v1/traces');
    expect(tracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:9999/traces' })).toBe('http://b:9999/traces');
  });
});
