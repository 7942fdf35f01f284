/**
 * One node:http server per simulated service, with the service's fault injection and the caller's
 * identification in front of its handler; the handler authorizes each operation through `req.authorize`.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isDeckhandRequest } from '../access.js';
import type { VirtualClock } from '../clock.js';
import type { Faults, SandboxService } from '../contracts.js';
import { AccessDeniedError, type CloudAuthorizer } from './iam/authorizer.js';
import type { AuthRequest } from './iam/evaluate.js';
import { signatureProblem, type SignatureProblem } from './iam/signature.js';

export interface ServiceRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  requestId: string;
  /** Throws AccessDeniedError unless the caller's policy allows every request (see CloudAuthorizer.authorize). */
  authorize(requests: AuthRequest[], message?: string): void;
}

export interface ServiceReply {
  status: number;
  contentType: string;
  body: string;
}

export interface ServiceProtocol {
  handle(req: ServiceRequest): Promise<ServiceReply> | ServiceReply;
  /** The service's own throttling error, which the SDK classifies as retryable. */
  throttled(req: ServiceRequest): ServiceReply;
  internalError(req: ServiceRequest): ServiceReply;
  /** The service's answer to an access key the account does not know. */
  invalidCredentials(req: ServiceRequest): ServiceReply;
  /** The service's answer to a known key whose signature is wrong (wrong secret) or malformed. */
  badSignature(req: ServiceRequest, problem: SignatureProblem): ServiceReply;
  /** The service's AccessDenied (EC2: UnauthorizedOperation). */
  accessDenied(req: ServiceRequest, error: AccessDeniedError): ServiceReply;
}

export interface ServiceServer {
  url: string;
  close(): Promise<void>;
}

export interface ServiceContext {
  faults: Faults;
  random: () => number;
  authorizer: CloudAuthorizer;
  clock: VirtualClock;
}

export async function startServiceServer(service: SandboxService, protocol: ServiceProtocol, { faults, random, authorizer, clock }: ServiceContext): Promise<ServiceServer> {
  const server = createServer((incoming, res) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (c: Buffer) => chunks.push(c));
    incoming.on('end', () => {
      const { resetRate } = faults.services[service] ?? {};
      if (resetRate && random() < resetRate) {
        faults.reset[service] = (faults.reset[service] ?? 0) + 1;
        incoming.socket.destroy();
        return;
      }
      const url = new URL(incoming.url ?? '/', 'http://sandbox');
      const req: ServiceRequest = {
        method: incoming.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: incoming.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        requestId: randomUUID(),
        authorize: () => {
          throw new Error('authorize called before the caller was identified');
        },
      };
      void answer(req).then((reply) => {
        res.writeHead(reply.status, { 'content-type': reply.contentType, 'x-amzn-requestid': req.requestId, 'content-length': Buffer.byteLength(reply.body) });
        res.end(reply.body);
      });
    });
  });

  clock.holdWhileAnswering(server, isDeckhandRequest);

  async function answer(req: ServiceRequest): Promise<ServiceReply> {
    faults.received[service] = (faults.received[service] ?? 0) + 1;
    const knobs = faults.services[service] ?? {};
    if (knobs.hang) {
      faults.hung[service] = (faults.hung[service] ?? 0) + 1;
      return new Promise<never>(() => undefined);
    }
    if (knobs.latencyMs) await new Promise((r) => setTimeout(r, knobs.latencyMs));
    if (knobs.throttleRate && random() < knobs.throttleRate) {
      faults.throttled[service] = (faults.throttled[service] ?? 0) + 1;
      return protocol.throttled(req);
    }
    if (knobs.errorRate && random() < knobs.errorRate) return protocol.internalError(req);
    const principal = authorizer.principalFor(req.headers);
    if (!principal) return protocol.invalidCredentials(req);
    const problem = await signatureProblem(req, principal.identity.secretAccessKey);
    if (problem) return protocol.badSignature(req, problem);
    req.authorize = (requests, message) => authorizer.authorize(service, principal, requests, message);
    try {
      return await protocol.handle(req);
    } catch (err) {
      if (err instanceof AccessDeniedError) return protocol.accessDenied(req, err);
      // A bug in the sandbox must surface as a server error the test sees, not a hung request.
      console.error(`sandbox ${service}:`, err);
      return protocol.internalError(req);
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
