/**
 * deckhand's own record of what it did for a channel: the audit entries of every plan requested there
 * (plans, approvals, runs, outcomes, and each change a run made), read from the audit stream for a window.
 */
import type { AuditEntry, AuditLog } from '../../integrations/redis/audit.js';
import type { PlanStore } from '../../integrations/redis/plan-store.js';

/** The channel's newest plans considered; an incident channel holds far fewer. */
const MAX_PLANS = 200;
/** Audit entries read for one window (a large rollout audits every eviction). */
export const MAX_AUDIT_ENTRIES = 20_000;

export interface ChannelActivity {
  entries: AuditEntry[];
  /** Each plan's message ts, so a timeline row links to the plan it is about. */
  planMessageTs: Record<string, string>;
}

export async function channelActivity(deps: { audit: AuditLog; plans: PlanStore }, channel: string, fromMs: number, toMs: number): Promise<ChannelActivity> {
  const plans = await deps.plans.listByChannel(channel, MAX_PLANS);
  if (plans.length === 0) return { entries: [], planMessageTs: {} };
  const ids = new Set(plans.map((p) => p.id));
  const entries = await deps.audit.between(fromMs, toMs, MAX_AUDIT_ENTRIES);
  return {
    entries: entries.filter((e) => e.planId !== undefined && ids.has(e.planId)),
    planMessageTs: Object.fromEntries(plans.flatMap((p) => (p.messageTs ? [[p.id, p.messageTs]] : []))),
  };
}
