/** What the Slack handlers need, injected once by createBotApp (tests pass their own). */
import type { RedisClient } from '../integrations/redis/connections.js';
import type { Config } from '../config.js';
import type { Clients } from '../integrations/clients.js';
import type { Clock } from '../integrations/clock.js';
import type { AuditLog } from '../integrations/redis/audit.js';
import type { PlanStore } from '../integrations/redis/plan-store.js';
import type { JobKind } from '../jobs/kind.js';
import type { PlanService } from '../jobs/plans.js';
import type { Logger } from '../logger.js';
import type { ReportKind } from '../reports/kind.js';
import type { Templates } from '../reports/templates.js';
import type { Authorizer } from './policy.js';

export interface BotDeps {
  config: Config;
  log: Logger;
  /** General-purpose connection; also answers /healthz PING. */
  redis: RedisClient;
  /** Read by `/deckhand jobs` and `status`; every change to a plan goes through `service`. */
  plans: PlanStore;
  audit: AuditLog;
  kinds: ReadonlyMap<string, JobKind>;
  /** Read-only reports (postmortem, cost): no plan, no approval. */
  reports: ReadonlyMap<string, ReportKind>;
  templates: Templates;
  clients: Clients;
  clock: Clock;
  authorizer: Authorizer;
  service: PlanService;
}
