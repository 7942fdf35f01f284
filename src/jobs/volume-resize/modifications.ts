/**
 * How many times an EBS volume was modified lately, and when the next modification is possible. EBS allows
 * up to four modifications per volume in a rolling 24 hours, each once the previous one completed
 * (docs/platform-facts.md#kubernetes-pvc-resize, AWS "ModifyVolume"). DescribeVolumesModifications shows only
 * the latest modification of a volume, so deckhand keeps its own record of the modifications it requested
 * and counts both; where they still undercount (someone else modified the volume earlier), EBS's own refusal
 * decides at the edge and names the time (steps.ts).
 */
import type { RedisClient } from '../../integrations/redis/connections.js';
import type { EbsVolumeModification } from '../../integrations/aws/ebs.js';
import type { KindContext } from '../kind.js';

export interface RecordedModification {
  /** When deckhand asked for the new size (the PVC patch that makes the EBS CSI driver call ModifyVolume). */
  at: number;
  fromGiB: number;
  toGiB: number;
  planId: string;
}

/** Deckhand's own record, one Redis sorted set per volume (score = time), kept as long as the rule looks back. */
export class ModificationRecord {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  private key(volumeId: string): string {
    return `${this.prefix}:ebs-modifications:${volumeId}`;
  }

  async add(volumeId: string, modification: RecordedModification, keepMs: number): Promise<void> {
    const key = this.key(volumeId);
    await this.redis
      .multi()
      .zadd(key, modification.at, JSON.stringify(modification))
      .zremrangebyscore(key, '-inf', modification.at - keepMs)
      .pexpire(key, keepMs)
      .exec();
  }

  async since(volumeId: string, from: number): Promise<RecordedModification[]> {
    const members = await this.redis.zrangebyscore(this.key(volumeId), from, '+inf');
    return members.map((json) => JSON.parse(json) as RecordedModification);
  }
}

export function modificationRecordOf(ctx: Pick<KindContext, 'redis' | 'redisPrefix'>): ModificationRecord {
  return new ModificationRecord(ctx.redis, ctx.redisPrefix);
}

/** A modification EBS reports and one deckhand recorded are the same when the sizes agree and they started this close. */
const SAME_MODIFICATION_MS = 60 * 60_000;

/** Start times of every modification known from either source, each counted once (failed ones do not count). */
export function knownModificationTimes(aws: EbsVolumeModification[], recorded: RecordedModification[]): number[] {
  const times = recorded.map((r) => r.at);
  for (const m of aws) {
    if (m.state === 'failed' || m.startTime === undefined) continue;
    const start = m.startTime;
    const recordedToo = recorded.some((r) => r.toGiB === m.targetSizeGiB && Math.abs(r.at - start) <= SAME_MODIFICATION_MS);
    if (!recordedToo) times.push(start);
  }
  return times.sort((a, b) => a - b);
}

export interface ModificationBudget {
  modificationsPerWindow: number;
  modificationWindow: number;
}

/** The modifications inside the window ending `now`, and when the next one is possible (undefined: now). */
export function budgetAt(times: number[], now: number, budget: ModificationBudget): { recent: number; nextPossible?: number } {
  const recent = times.filter((t) => t > now - budget.modificationWindow);
  if (recent.length < budget.modificationsPerWindow) return { recent: recent.length };
  return { recent: recent.length, nextPossible: recent[recent.length - budget.modificationsPerWindow]! + budget.modificationWindow };
}

/** EBS's refusal of one modification too many: `VolumeModificationRateExceeded`, as the EBS CSI driver passes it on. */
export function isModificationRateRefusal(message: string): boolean {
  return /VolumeModificationRateExceeded/.test(message);
}

/** The time EBS names in its refusal (an ISO 8601 instant), when it names one. */
export function timeNamedIn(message: string): number | undefined {
  const match = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})/.exec(message);
  const at = match ? Date.parse(match[0]) : Number.NaN;
  return Number.isNaN(at) ? undefined : at;
}
