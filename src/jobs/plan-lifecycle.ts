/**
 * The plan's lifecycle (docs/ARCHITECTURE.md principle 3): which status may follow which, in one table,
 * and the only code that changes a stored plan's status. Every change is one atomic compare-and-set, so
 * bot replicas and workers racing on the same plan see exactly one winner; a refused change answers with
 * the plan as it stands, so the caller can say why without reading it again.
 *
 *   planned ─▶ approved ─▶ running ─▶ succeeded | failed | cancelled
 *      ├─▶ rejected          └─▶ failed | cancelled (never started: died before, or cancelled while queued)
 *      └─▶ expired
 */
import type { Clock } from '../integrations/clock.js';
import type { LiveStatus, PlanChange, PlanStatus, PlanStore, StoredPlan } from '../integrations/redis/plan-store.js';

export type RunOutcome = 'succeeded' | 'failed' | 'cancelled';

/** The legal next statuses of each status. `running → running` is a resumed attempt taking the run over. */
export const NEXT_STATUSES: Readonly<Record<PlanStatus, readonly PlanStatus[]>> = {
  planned: ['approved', 'rejected', 'expired'],
  approved: ['running', 'failed', 'cancelled'],
  running: ['running', 'succeeded', 'failed', 'cancelled'],
  succeeded: [],
  failed: [],
  cancelled: [],
  rejected: [],
  expired: [],
};

export function mayMove(from: PlanStatus, to: PlanStatus): boolean {
  return NEXT_STATUSES[from].includes(to);
}

export class PlanLifecycle {
  constructor(
    private readonly store: PlanStore,
    private readonly clock: Clock,
  ) {}

  get(id: string): Promise<StoredPlan | undefined> {
    return this.store.get(id);
  }

  create(plan: StoredPlan & { status: 'planned' }): Promise<void> {
    return this.store.create(plan);
  }

  /** Message timestamps and other fields that are not the status. */
  attach(id: string, patch: Pick<Partial<StoredPlan>, 'messageTs' | 'statusCardTs'>): Promise<StoredPlan> {
    return this.store.update(id, patch);
  }

  listByStatus(status: LiveStatus): Promise<StoredPlan[]> {
    return this.store.listByStatus(status);
  }

  /** Records an approval while the plan is planned (a user counts once). */
  recordApproval(id: string, user: string): Promise<PlanChange> {
    const at = this.clock.now();
    return this.store.change(id, (plan) => {
      if (plan.status !== 'planned' || plan.approvals.some((a) => a.user === user)) return undefined;
      return { ...plan, approvals: [...plan.approvals, { user, at }] };
    });
  }

  approve(id: string, by: string): Promise<PlanChange> {
    return this.move(id, 'approved', () => ({ decidedBy: by }));
  }

  reject(id: string, by: string): Promise<PlanChange> {
    return this.move(id, 'rejected', () => ({ decidedBy: by, finishedAt: this.clock.now() }));
  }

  expire(id: string, reason: string | undefined): Promise<PlanChange> {
    return this.move(id, 'expired', () => ({ finishedAt: this.clock.now(), ...(reason ? { outcome: reason } : {}) }));
  }

  /** approved → running, or running → running for a resumed attempt; `startedAt` is kept from the first start. */
  start(id: string): Promise<PlanChange> {
    return this.move(id, 'running', (plan) => ({ startedAt: plan.startedAt ?? this.clock.now() }));
  }

  finish(id: string, outcome: RunOutcome, summary: string): Promise<PlanChange> {
    return this.move(id, outcome, () => ({ finishedAt: this.clock.now(), outcome: summary }));
  }

  private move(id: string, to: PlanStatus, patch: (plan: StoredPlan) => Partial<StoredPlan>): Promise<PlanChange> {
    return this.store.change(id, (plan) => (mayMove(plan.status, to) ? { ...plan, ...patch(plan), status: to } : undefined));
  }
}
