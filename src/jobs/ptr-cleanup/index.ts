/** Job kind `ptr-cleanup`: delete stale Route 53 PTR records, saving each first; `restore <job-id>` puts them back. */
import { createHash } from 'node:crypto';
import type { JobKind } from '../kind.js';
import { parsePtrArgs, ptrCleanupCommand } from './args.js';
import type { PtrArgs, PtrObserved, PtrPlan, PtrState } from './model.js';
import { observePtr } from './observe.js';
import { fingerprintLines, planPtr } from './plan.js';
import { renderPtrPlan } from './render.js';
import { revalidatePtr } from './revalidate.js';
import { ptrCleanupSettingsSchema, type PtrCleanupSettings } from './settings.js';
import { ptrSteps } from './steps.js';

export function summarizePtr(plan: PtrPlan, state: PtrState, outcome: 'succeeded' | 'failed' | 'cancelled'): string {
  const zones = Object.values(state.zones);
  const sum = (pick: (zone: (typeof zones)[number]) => number) => zones.reduce((total, zone) => total + pick(zone), 0);
  const planned = plan.zones.reduce((total, zone) => total + zone.records.count, 0);
  const applied = sum((z) => z.applied);
  const verb = plan.mode === 'cleanup' ? 'Deleted' : 'Re-created';
  const head =
    outcome === 'succeeded'
      ? `${verb} ${applied} of ${planned} PTR records in ${plan.zones.length} zone(s).`
      : `PTR ${plan.mode} ${outcome}: ${verb.toLowerCase()} ${applied} of ${planned} PTR records.`;
  const extras = [
    sum((z) => z.droppedLive) && `${sum((z) => z.droppedLive)} kept because their IP is in use again`,
    sum((z) => z.changedSincePlan) && `${sum((z) => z.changedSincePlan)} left alone because they changed since the plan`,
    sum((z) => z.alreadyDone) && `${sum((z) => z.alreadyDone)} ${plan.mode === 'cleanup' ? 'were already gone' : 'were already present'}`,
    sum((z) => z.rejected) && `${sum((z) => z.rejected)} rejected by Route 53 (listed in the thread)`,
    state.insync === false && 'Route 53 had not reported INSYNC yet at the end',
  ].filter(Boolean);
  const restore = plan.mode === 'cleanup' && applied > 0 && state.jobId ? `\nEvery deleted record was saved: \`/deckhand ptr-cleanup restore ${state.jobId}\` puts them back.` : '';
  return `${head}${extras.length ? ` ${extras.join('; ')}.` : ''}${restore}`;
}

/** Saved records live in the run context's Redis (`ctx.redis`, keys under `ctx.redisPrefix`). */
export const ptrCleanupKind: JobKind<PtrArgs, PtrObserved, PtrPlan, PtrState, PtrCleanupSettings> = {
  command: ptrCleanupCommand,
  mutating: true,
  settingsSchema: ptrCleanupSettingsSchema,
  parseArgs: parsePtrArgs,
  isDryRun: (args) => args.dryRun,
  // One PTR job per account at a time: they share the account's Route 53 request rate.
  target: () => 'route53/reverse-zones',
  referencedJobs: (args) => (args.mode === 'restore' ? [args.jobId] : []),
  observe: observePtr,
  fingerprint: (observed) => {
    const hash = createHash('sha256');
    for (const line of fingerprintLines(observed)) hash.update(`${line}\n`);
    return hash.digest('hex').slice(0, 16);
  },
  revalidate: (ctx, plan, _args, planId) => revalidatePtr(ctx, plan, planId),
  plan: planPtr,
  renderPlan: renderPtrPlan,
  initialState: () => ({ zones: {}, problems: [] }),
  steps: ptrSteps,
  summarize: summarizePtr,
};
