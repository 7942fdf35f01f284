/**
 * A minimal OTLP/HTTP traces receiver on localhost: records every span posted as JSON to /v1/traces, with the
 * service that sent it. What tests of README "Traces" read back.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

type AnyValue = { stringValue?: string; intValue?: number | string };
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: { key: string; value: AnyValue }[];
  status?: { code?: number; message?: string };
}
export interface ReceivedSpan {
  service: string | undefined;
  span: OtlpSpan;
}
interface OtlpRequest {
  resourceSpans: { resource?: { attributes?: OtlpSpan['attributes'] }; scopeSpans: { spans: OtlpSpan[] }[] }[];
}
export interface OtlpReceiver {
  /** The general endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT`); spans are taken at `<url>/v1/traces`. */
  url: string;
  spans: ReceivedSpan[];
  contentTypes: string[];
  close(): Promise<void>;
}

export const STATUS_ERROR = 2;

export function attribute(attributes: OtlpSpan['attributes'], key: string): string | undefined {
  return attributes?.find((a) => a.key === key)?.value.stringValue;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
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
