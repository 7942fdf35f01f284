/** The four stores the bot and the workers share, on one general-purpose connection under one key prefix. */
import type { RedisClient } from './connections.js';
import type { Logger } from '../../logger.js';
import { AuditLog } from './audit.js';
import { TargetLocks } from './locks.js';
import { PlanStore } from './plan-store.js';
import { RunSignals } from './run-signals.js';

export interface Stores {
  plans: PlanStore;
  locks: TargetLocks;
  signals: RunSignals;
  audit: AuditLog;
}

export function createStores(redis: RedisClient, prefix: string, log: Logger): Stores {
  return {
    plans: new PlanStore(redis, prefix),
    locks: new TargetLocks(redis, prefix),
    signals: new RunSignals(redis, prefix),
    audit: new AuditLog(redis, prefix, log),
  };
}
