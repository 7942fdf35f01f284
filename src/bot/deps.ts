/** What the Slack handlers need, injected once by createBotApp (tests pass their own). */
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Clients } from '../integrations/clients.js';
import type { Clock } from '../integrations/clock.js';
import type { AuditLog } from '../integrations/redis/audit.js';
import type { TargetLocks } from '../integrations/redis/locks.js';
import type { PlanStore, StoredPlan } from '../integrations/redis/plan-store.js';
import type { RunSignals } from '../integrations/redis/run-signals.js';
import type { JobKind, KindContext } from '../jobs/kind.js';
import type { Logger } from '../logger.js';
import type { ReportKind } from '../reports/kind.js';
import type { Templates } from '../reports/templates.js';
import type { Authorizer } from './policy.js';
import type { KnownBlock } from '@slack/types';

export interface BotDeps {
  config: Config;
  log: Logger;
  /** General-purpose connection; also answers /healthz PING. */
  redis: Redis;
  plans: PlanStore;
  locks: TargetLocks;
  signals: RunSignals;
  audit: AuditLog;
  queue: Queue;
  kinds: ReadonlyMap<string, JobKind>;
  /** Read-only reports (postmortem, cost): no plan, no approval. */
  reports: ReadonlyMap<string, ReportKind>;
  templates: Templates;
  clients: Clients;
  clock: Clock;
  authorizer: Authorizer;
}

/** The kind's rendered plan body is stored with the plan so the parent can be re-rendered later. */
export type PlanWithRendered = StoredPlan & { rendered?: { blocks: KnownBlock[] } };

export function kindContext(deps: BotDeps, kind: string, log: Logger): KindContext {
  return {
    clients: deps.clients,
    clock: deps.clock,
    log,
    settings: deps.config.policy.commands[kind]?.settings,
    redis: deps.redis,
    redisPrefix: deps.config.redisPrefix,
  };
}
