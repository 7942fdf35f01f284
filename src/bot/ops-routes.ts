/**
 * Operator routes served next to /healthz on the bot's and the worker's HTTP port: `GET /metrics` (Prometheus,
 * src/integrations/metrics.ts) and the job dashboard at `/admin/queues` (bull-board). The dashboard is off unless
 * configured (404 then, as for any unknown path; bull-board is not even loaded); on, see dashboard.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DashboardConfig } from '../config.js';
import type { Metrics } from '../integrations/metrics.js';
import type { RunQueue } from '../jobs/queues.js';

export const DASHBOARD_PATH = '/admin/queues';

/** Answers the request and returns true when it is one of these routes; false leaves it to the caller. */
export type OpsRoutes = (req: IncomingMessage, res: ServerResponse) => boolean;

export function opsRoutes(options: { metrics?: Metrics; dashboard?: DashboardConfig; queue?: RunQueue }): OpsRoutes {
  const { metrics, dashboard, queue } = options;
  // Loaded only when configured: bull-board and Express add a second to every start-up otherwise.
  const board = dashboard && queue ? import('./dashboard.js').then((m) => m.dashboardListener(dashboard, queue, DASHBOARD_PATH)) : undefined;
  // A failed load answers 500 per request below; it must not crash the process before one comes.
  board?.catch(() => undefined);
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics' && req.method === 'GET' && metrics) {
      metrics.handler()(req, res);
      return true;
    }
    if (board && (path === DASHBOARD_PATH || path?.startsWith(`${DASHBOARD_PATH}/`))) {
      board.then(
        (listener) => listener(req, res),
        (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`dashboard unavailable: ${(error as Error).message}\n`),
      );
      return true;
    }
    return false;
  };
}
