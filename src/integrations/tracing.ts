/**
 * Optional OpenTelemetry traces (README "Traces"): only when an OTLP endpoint is configured. Then BullMQ's own
 * spans (`telemetry` on the run queue and worker) make enqueue → process one trace, and the step loop adds a span
 * per step under the job's `process` span. Unconfigured, nothing below is imported and the step loop gets no
 * tracer: no network, no SDK, only @opentelemetry/api's no-op.
 */
import type { Tracer } from '@opentelemetry/api';
import type { Telemetry } from 'bullmq';

export interface Tracing {
  /** Passed as `telemetry` to BullMQ's Queue and Worker. */
  telemetry: Telemetry;
  /** deckhand's own spans (a run's steps). */
  tracer: Tracer;
  /** Exports what is buffered, then stops. */
  shutdown(): Promise<void>;
}

export const TRACER_NAME = 'deckhand';

/** Where spans go: the traces endpoint as given, or the general endpoint + `/v1/traces` (the OTLP spec's rule). */
export function tracesUrl(env: NodeJS.ProcessEnv): string | undefined {
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT) return `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`;
  return undefined;
}

/** Starts exporting over OTLP/HTTP (JSON) as `serviceName`, or returns undefined when no endpoint is configured. */
export async function startTracing(env: NodeJS.ProcessEnv, serviceName: string): Promise<Tracing | undefined> {
  const url = tracesUrl(env);
  if (!url) return undefined;
  const [{ NodeTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }, { ATTR_SERVICE_NAME }, { BullMQOtel }] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/semantic-conventions'),
    import('bullmq-otel'),
  ]);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }))],
  });
  // Global: BullMQOtel reads the global tracer, and the job's span reaches the steps through the async context
  // manager and the W3C propagator (job metadata) that register() installs.
  provider.register();
  return {
    telemetry: new BullMQOtel({ tracerName: TRACER_NAME }),
    tracer: provider.getTracer(TRACER_NAME),
    shutdown: () => provider.shutdown(),
  };
}
