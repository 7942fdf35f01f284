/**
 * The job dashboard (bull-board, Express adapter) behind `/admin/queues` (ops-routes.ts routes to it). Every
 * request needs HTTP basic auth, checked in constant time against the configured user and password hash, and in
 * read-only mode only GET and HEAD pass: the refusal happens here, before bull-board, so no route it adds can
 * change a job (bull-board's own read-only mode hides the buttons and refuses too).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, RequestListener } from 'node:http';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { DashboardConfig } from '../config.js';
import type { RunQueue } from '../jobs/queues.js';

/** `basePath`: where the caller mounts it; requests arrive with their full path. */
export function dashboardListener(config: DashboardConfig, queue: RunQueue, basePath: string): RequestListener {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(basePath);
  const readOnly = config.mode === 'read-only';
  createBullBoard({ queues: [new BullMQAdapter(queue, { readOnlyMode: readOnly, allowRetries: !readOnly })], serverAdapter });
  const app = serverAdapter.getRouter() as RequestListener;
  return (req, res) => {
    if (!authorized(req, config)) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="deckhand", charset="UTF-8"', 'content-type': 'text/plain' }).end('authentication required\n');
      return;
    }
    if (readOnly && req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('the dashboard is read-only (DECKHAND_DASHBOARD=read-only)\n');
      return;
    }
    // bull-board's routes are relative to where it is mounted.
    req.url = req.url!.slice(basePath.length) || '/';
    app(req, res);
  };
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** Basic auth; both halves are compared as SHA-256 digests so neither comparison's time depends on the secret. */
function authorized(req: IncomingMessage, config: DashboardConfig): boolean {
  const header = req.headers.authorization ?? '';
  const match = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header);
  if (!match) return false;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  const userOk = timingSafeEqual(sha256(decoded.slice(0, colon)), sha256(config.user));
  const passwordOk = timingSafeEqual(sha256(decoded.slice(colon + 1)), Buffer.from(config.passwordSha256, 'hex'));
  return userOk && passwordOk;
}
