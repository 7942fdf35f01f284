/**
 * PTR cleanup test helpers: the sandbox (real SDK clients pointed at it) with the PTR kind, and what the
 * tests compare before and after a run.
 */
import type { JobKind } from '../../../../src/jobs/kind.js';
import { ptrCleanupKind } from '../../../../src/jobs/ptr-cleanup/index.js';
import type { PtrArgs, PtrObserved, PtrPlan, PtrState } from '../../../../src/jobs/ptr-cleanup/model.js';
import type { PtrCleanupSettings } from '../../../../src/jobs/ptr-cleanup/settings.js';
import type { StartedCloud } from '../../../../sandbox/src/cloud/index.js';
import type { MutationLog } from '../../../../sandbox/src/contracts.js';
import { startTestSandbox, type TestSandbox } from '../../../helpers/sandbox.js';

export type PtrKind = JobKind<PtrArgs, PtrObserved, PtrPlan, PtrState, PtrCleanupSettings>;

export type PtrSandbox = TestSandbox & { kind: PtrKind };

/** Virtual time at 1000× real by default: 200 ms of pacing is 0.2 ms, Route 53's 30 s to INSYNC is 30 ms. */
export async function startPtrSandbox(opts: Parameters<typeof startTestSandbox>[0] = {}): Promise<PtrSandbox> {
  const sandbox = await startTestSandbox({ speed: 1000, clockTickMs: 5, seed: 3, maxAttempts: 8, ...opts });
  return { ...sandbox, kind: ptrCleanupKind };
}

/** PTR record sets of a zone as the sandbox holds them, for exact before/after comparisons. */
export function zonePtrs(cloud: StartedCloud, zoneId: string): string[] {
  const zone = cloud.model.route53.zones.get(zoneId)!;
  return zone.records.filter((r) => r.type === 'PTR').map((r) => `${r.name} ${r.ttl} ${r.setIdentifier ?? '-'} ${[...r.values].sort().join(' ')}`);
}

export function deletesIn(log: MutationLog): string[] {
  return log
    .find({ service: 'route53', action: 'ChangeResourceRecordSets' })
    .flatMap((e) => (e.details.changes as { action: string; name: string }[]).filter((c) => c.action === 'DELETE').map((c) => `${e.target} ${c.name}`));
}
