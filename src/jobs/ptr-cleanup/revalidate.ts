/**
 * Approval without a second scan (issue 15): scanning every reverse zone again costs as long as the plan
 * did (~70 s for 100,000 records at 5 requests/s). What can change cheaply and decisively is re-read —
 * the network interfaces, a few EC2 calls — and the plan's to-delete records are checked against them.
 * A record changed or deleted since the plan needs no re-read: Route 53's DELETE must match name, type,
 * TTL and every value (docs/platform-facts.md#route-53), so the apply step isolates it and reports it
 * as left alone (submit.ts). A restore only CREATEs, which never overwrites a record present again.
 *
 * The time of a passed check is handed to the run (a Redis key per plan), so the first batch does not
 * wait for a second read of the same interfaces: the run trusts it as long as its own reads.
 */
import type { KindContext } from '../kind.js';
import type { PtrPlan } from './model.js';
import { readOwnedAddresses } from './observe.js';
import { unpackRecords } from './packed-records.js';
import { isLiveRecord } from './plan.js';
import type { PtrCleanupSettings } from './settings.js';

const NAMES_SHOWN = 3;
const HANDOVER_TTL_SECONDS = 600;

type Ctx = Pick<KindContext<PtrCleanupSettings>, 'redis' | 'redisPrefix'>;

const checkedKey = (ctx: Ctx, planId: string) => `${ctx.redisPrefix}:ptr-interfaces-checked:${planId}`;

/** When approval last found none of the plan's to-delete records live, and how long its read took; or undefined. */
export async function interfacesCheckedAt(ctx: Ctx, planId: string): Promise<{ at: number; readMs: number } | undefined> {
  const saved = await ctx.redis.get(checkedKey(ctx, planId));
  if (saved === null) return undefined;
  const [at, readMs] = saved.split(' ').map(Number);
  return { at: at!, readMs: readMs ?? 0 };
}

export async function revalidatePtr(ctx: KindContext<PtrCleanupSettings>, plan: PtrPlan, planId: string): Promise<string | undefined> {
  if (plan.mode === 'restore') return undefined;
  const checkedAt = ctx.clock.now();
  const owned = await readOwnedAddresses(ctx.clients, plan.ownershipScope);
  const readMs = ctx.clock.now() - checkedAt;
  const live: string[] = [];
  let count = 0;
  for (const zone of plan.zones) {
    for (const record of unpackRecords(zone.records)) {
      if (!isLiveRecord(record, owned)) continue;
      count++;
      if (live.length < NAMES_SHOWN) live.push(`\`${record[0]}\``);
    }
  }
  if (count === 0) {
    await ctx.redis.set(checkedKey(ctx, planId), `${checkedAt} ${readMs}`, 'EX', HANDOVER_TTL_SECONDS);
    return undefined;
  }
  return `${count} PTR record${count === 1 ? '' : 's'} it would delete now name${count === 1 ? 's' : ''} an IP a network interface holds: ${live.join(', ')}${count > live.length ? ', …' : ''}`;
}
