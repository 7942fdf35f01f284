/**
 * The PTR step machine: one step per zone (batches confirmed in the checkpoint one by one), then a
 * wait for INSYNC, then the deleted records attached to the thread. For every batch of a cleanup:
 * drop records whose IP is live again (ownership checked by the approval or read at the start of the
 * run, and read again once it is a minute old, or four reads old when a read takes longer), save the
 * records (Redis), mark the batch in flight, audit, send, save what was deleted, checkpoint. A batch found in flight after a crash is read back first.
 */
import { formatDuration } from '../../time.js';
import type { Step, StepContext } from '../kind.js';
import { changeRecordSets, getChange } from '../../integrations/aws/route53.js';
import { backupsOf } from './backups.js';
import { splitIntoBatches } from './batches.js';
import { AddressSet } from './ip.js';
import { expand, PROBLEMS_KEPT, recordName, type CompactRecord, type PtrPlan, type PtrState, type ZoneProgress, type ZoneRecords } from './model.js';
import { readOwnedAddresses } from './observe.js';
import { sharedPacer } from './pacer.js';
import { unpackRecords } from './packed-records.js';
import { isLiveRecord } from './plan.js';
import { reconcileBatch } from './reconcile.js';
import { backupCsvFile, backupCsvPart } from './render.js';
import { interfacesCheckedAt } from './revalidate.js';
import type { PtrCleanupSettings } from './settings.js';
import { submitBatch, type ChangeAction, type SubmitOutcome } from './submit.js';

type Ctx = StepContext<PtrPlan, PtrState, PtrCleanupSettings>;

/** Ownership older than this is read again before the next batch (the approval's check counts as the first read). */
export const OWNERSHIP_MAX_AGE_MS = 60_000;
/**
 * ... or older than this many times its read took, when that is longer: a read of every interface (184,204 of
 * them for a million records, about a minute) would otherwise be due again as soon as it ended, before every
 * batch. Reads then take at most a fifth of the run.
 */
const OWNERSHIP_READ_COST_FACTOR = 4;

export function ownershipMaxAgeMs(lastReadMs: number): number {
  return Math.max(OWNERSHIP_MAX_AGE_MS, OWNERSHIP_READ_COST_FACTOR * lastReadMs);
}
const INSYNC_TIMEOUT_MS = 10 * 60_000;
const INSYNC_FIRST_POLL_MS = 1_000;
const INSYNC_MAX_POLL_MS = 15_000;

function newProgress(): ZoneProgress {
  return { complete: false, nextBatch: 0, applied: 0, droppedLive: 0, alreadyDone: 0, changedSincePlan: 0, rejected: 0 };
}

function noteProblems(ctx: Ctx, zone: ZoneRecords, problem: string, records: CompactRecord[]): void {
  for (const record of records) {
    if (ctx.state.problems.length >= PROBLEMS_KEPT) return;
    ctx.state.problems.push({ zone: zone.name, name: recordName(record), problem });
  }
}

/**
 * The status card: zones done, records, change batches sent, and an ETA from the request rate (one request
 * per remaining batch: Route 53's rate, not the round trips, bounds the run).
 */
function reportProgress(ctx: Ctx, verb: string, batchesPerZone: ReadonlyMap<string, number>): void {
  const total = ctx.plan.zones.reduce((sum, zone) => sum + zone.records.count, 0);
  const progress = Object.values(ctx.state.zones);
  const applied = progress.reduce((sum, zone) => sum + zone.applied, 0);
  const batches = [...batchesPerZone.values()].reduce((sum, n) => sum + n, 0);
  const sent = Object.entries(ctx.state.zones).reduce((sum, [id, zone]) => sum + (zone.complete ? (batchesPerZone.get(id) ?? 0) : zone.nextBatch), 0);
  ctx.progress.status({
    Zones: `${progress.filter((zone) => zone.complete).length}/${ctx.plan.zones.length}`,
    [verb]: `${applied.toLocaleString('en-US')}/${total.toLocaleString('en-US')}`,
    Batches: `${sent}/${batches}`,
    ETA: formatDuration(((batches - sent) / ctx.settings.requestsPerSecond) * 1000),
  });
}

/** Addresses held by network interfaces, read during this run or checked by its approval (never taken from the plan). */
interface OwnershipCache {
  owned?: AddressSet;
  /** When the read started: the addresses are at least this old. */
  readAt: number;
  readMs: number;
}

async function currentOwnership(ctx: Ctx, cache: OwnershipCache): Promise<AddressSet> {
  if (ctx.plan.mode !== 'cleanup') throw new Error('ownership is only read for a cleanup');
  if (!cache.owned) {
    // Approval found none of the plan's records live: as good as a read of our own until it is as old.
    const checked = await interfacesCheckedAt(ctx, ctx.planId);
    if (checked !== undefined) Object.assign(cache, { owned: AddressSet.of([], []), readAt: checked.at, readMs: checked.readMs });
  }
  if (!cache.owned || ctx.clock.now() - cache.readAt > ownershipMaxAgeMs(cache.readMs)) {
    const readAt = ctx.clock.now();
    cache.owned = await readOwnedAddresses(ctx.clients, ctx.plan.ownershipScope);
    Object.assign(cache, { readAt, readMs: ctx.clock.now() - readAt });
  }
  return cache.owned;
}

async function applyZone(ctx: Ctx, zone: ZoneRecords, action: ChangeAction, ownership: OwnershipCache, batchesPerZone: ReadonlyMap<string, number>): Promise<void> {
  const backups = backupsOf(ctx);
  const { route53 } = ctx.clients;
  const pacer = sharedPacer(ctx.clock, ctx.settings.requestsPerSecond);
  const boundPacer = pacer.bind(ctx.signal);
  const jobId = (ctx.state.jobId ??= ctx.jobId);
  const progress = (ctx.state.zones[zone.id] ??= newProgress());
  const verb = action === 'DELETE' ? 'Deleted' : 'Created';
  const batches = splitIntoBatches(unpackRecords(zone.records));

  for (let index = progress.nextBatch; index < batches.length; index++) {
    if (await ctx.cancelRequested()) return;
    // Ownership is read again before deleting: an address taken since the plan keeps its record.
    const owned = action === 'DELETE' ? await currentOwnership(ctx, ownership) : undefined;
    const key = `${zone.id}/${index}`;
    let records = batches[index]!;
    // Counted into the checkpoint only once the batch is confirmed, so a resumed batch counts once.
    let doneBefore: CompactRecord[] = [];
    let changedBefore: CompactRecord[] = [];
    let live: CompactRecord[] = [];
    const resumed = progress.inFlight === index;
    if (resumed) {
      const reconciled = await reconcileBatch(route53, zone.id, action, records, boundPacer);
      doneBefore = reconciled.doneBefore;
      changedBefore = reconciled.changed;
      records = reconciled.toSend;
    }
    if (owned) {
      live = records.filter((record) => isLiveRecord(record, owned));
      const liveSet = new Set(live);
      records = records.filter((record) => !liveSet.has(record));
    }
    if (!resumed) {
      // Saved before the change is sent; a batch found in flight after a crash keeps its saved copy
      // (what was deleted before the crash is in it) and saves what it is about to send beside it.
      if (action === 'DELETE') await backups.save(jobId, { zoneId: zone.id, zoneName: zone.name, key, state: 'pending', records });
      progress.inFlight = index;
      await ctx.checkpoint();
    } else if (action === 'DELETE' && records.length > 0) {
      await backups.save(jobId, { zoneId: zone.id, zoneName: zone.name, key: `${key}/resumed`, state: 'pending', records });
    }
    let outcome: SubmitOutcome = { applied: [], alreadyDone: [], changed: [], rejected: [], changeIds: [] };
    if (records.length > 0) {
      await ctx.audit(`route53.ChangeResourceRecordSets.${action}`, {
        zoneId: zone.id,
        zone: zone.name,
        batch: index,
        records: records.length,
        first: recordName(records[0]!),
        last: recordName(records[records.length - 1]!),
      });
      outcome = await submitBatch(
        {
          send: (batch) =>
            changeRecordSets(route53, zone.id, batch.map((record) => ({ action, record: expand(record) })), {
              comment: `deckhand ${jobId} ptr-cleanup ${action.toLowerCase()} batch ${index}`,
              pacer: boundPacer,
            }),
        },
        action,
        records,
      );
    }
    const applied = [...doneBefore, ...outcome.applied];
    if (action === 'DELETE') await backups.save(jobId, { zoneId: zone.id, zoneName: zone.name, key, state: 'deleted', records: applied });
    const changed = [...changedBefore, ...outcome.changed.map((p) => p.record)];
    progress.applied += applied.length;
    progress.droppedLive += live.length;
    progress.alreadyDone += outcome.alreadyDone.length;
    progress.changedSincePlan += changed.length;
    progress.rejected += outcome.rejected.length;
    noteProblems(ctx, zone, 'IP in use again since the plan: kept', live);
    noteProblems(ctx, zone, action === 'DELETE' ? 'already gone' : 'already present', outcome.alreadyDone.map((p) => p.record));
    noteProblems(ctx, zone, 'changed since the plan: left alone', changed);
    for (const { record, message } of outcome.rejected) noteProblems(ctx, zone, `rejected by Route 53: ${message}`, [record]);
    progress.lastChangeId = outcome.changeIds[outcome.changeIds.length - 1] ?? progress.lastChangeId;
    progress.nextBatch = index + 1;
    progress.inFlight = undefined;
    await ctx.checkpoint();
    reportProgress(ctx, verb, batchesPerZone);
  }
  progress.complete = true;
  reportProgress(ctx, verb, batchesPerZone);
  await ctx.progress.milestone(zoneMilestone(ctx, zone, progress, action));
}

const PROBLEMS_PER_MILESTONE = 10;

function zoneMilestone(ctx: Ctx, zone: ZoneRecords, progress: ZoneProgress, action: ChangeAction): string {
  const extras = [
    progress.droppedLive && `${progress.droppedLive} kept (IP in use again)`,
    progress.changedSincePlan && `${progress.changedSincePlan} left alone (changed since the plan)`,
    progress.alreadyDone && `${progress.alreadyDone} ${action === 'DELETE' ? 'already gone' : 'already present'}`,
    progress.rejected && `${progress.rejected} rejected by Route 53`,
  ].filter(Boolean);
  const verb = action === 'DELETE' ? 'deleted' : 're-created';
  const problems = ctx.state.problems.filter((p) => p.zone === zone.name);
  const listed = problems.slice(0, PROBLEMS_PER_MILESTONE).map((p) => `\n• \`${p.name}\`: ${p.problem}`);
  const more = problems.length > PROBLEMS_PER_MILESTONE ? `\n… and ${problems.length - PROBLEMS_PER_MILESTONE} more` : '';
  return `${zone.name}: ${verb} ${progress.applied} of ${zone.records.count}${extras.length ? ` (${extras.join(', ')})` : ''}.${listed.join('')}${more}`;
}

async function waitInsync(ctx: Ctx): Promise<void> {
  const pacer = sharedPacer(ctx.clock, ctx.settings.requestsPerSecond).bind(ctx.signal);
  const deadline = ctx.clock.now() + INSYNC_TIMEOUT_MS;
  let pollMs = INSYNC_FIRST_POLL_MS;
  for (;;) {
    const waiting = Object.values(ctx.state.zones).filter((zone) => zone.lastChangeId && !zone.insync);
    for (const zone of waiting) {
      zone.insync = (await getChange(ctx.clients.route53, zone.lastChangeId!, pacer)).status === 'INSYNC';
    }
    if (waiting.every((zone) => zone.insync)) {
      ctx.state.insync = true;
      return;
    }
    if (ctx.clock.now() >= deadline || (await ctx.cancelRequested())) {
      ctx.state.insync = false;
      await ctx.progress.milestone(`Route 53 had not reported every change INSYNC after ${formatDuration(INSYNC_TIMEOUT_MS)}; the changes are accepted and will finish propagating on their own.`);
      return;
    }
    await ctx.clock.sleep(pollMs, ctx.signal);
    pollMs = Math.min(INSYNC_MAX_POLL_MS, pollMs * 2);
  }
}

async function attachBackup(ctx: Ctx): Promise<void> {
  const jobId = ctx.state.jobId ?? ctx.jobId;
  const parts: string[] = [];
  for await (const batch of backupsOf(ctx).batches(jobId)) if (batch.state === 'deleted' && batch.records.length > 0) parts.push(backupCsvPart(batch));
  if (parts.length === 0) return;
  await ctx.progress.file({
    filename: `ptr-cleanup-${jobId}-deleted.csv`,
    title: `Deleted PTR records (restore with /deckhand ptr-cleanup restore ${jobId})`,
    content: backupCsvFile(parts),
  });
}

export function ptrSteps(plan: PtrPlan): Step<PtrPlan, PtrState, PtrCleanupSettings>[] {
  const action: ChangeAction = plan.mode === 'cleanup' ? 'DELETE' : 'CREATE';
  const ownership: OwnershipCache = { readAt: 0, readMs: 0 };
  const batchesPerZone = new Map(plan.zones.map((zone) => [zone.id, splitIntoBatches(unpackRecords(zone.records)).length]));
  const steps: Step<PtrPlan, PtrState, PtrCleanupSettings>[] = plan.zones.map((zone) => ({
    id: `${action === 'DELETE' ? 'delete' : 'create'}/${zone.id}`,
    title: `${action === 'DELETE' ? 'Delete' : 'Re-create'} ${zone.records.count} PTR records in ${zone.name}`,
    run: (ctx) => applyZone(ctx, zone, action, ownership, batchesPerZone),
  }));
  steps.push({ id: 'insync', title: 'Wait until Route 53 reports the changes INSYNC', run: waitInsync });
  if (plan.mode === 'cleanup') steps.push({ id: 'backup-file', title: 'Attach the deleted records to the thread', run: (ctx) => attachBackup(ctx) });
  return steps;
}
