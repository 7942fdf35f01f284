/**
 * A batch that was being sent when the worker died may or may not have reached Route 53. Before it
 * is sent again its records are read back: a DELETE that already happened is recognized (record
 * gone → done) instead of failing the whole batch, and a CREATE that happened is not repeated.
 */
import type { Route53Client } from '@aws-sdk/client-route-53';
import { listRecordSets, type Pacer, type RecordSet } from '../../integrations/aws/route53.js';
import type { CompactRecord } from './model.js';
import { recordKey } from './plan.js';
import type { ChangeAction } from './submit.js';

/** Route 53's listing order: labels compared from the right, in ASCII order (`10` sorts before `9`). */
export function compareRecordNames(a: string, b: string): number {
  const left = a.replace(/\.$/, '').split('.').reverse();
  const right = b.replace(/\.$/, '').split('.').reverse();
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    if (left[i] !== right[i]) return left[i]! < right[i]! ? -1 : 1;
  }
  return left.length - right.length;
}

export interface ReconciledBatch {
  /** Still to be sent. */
  toSend: CompactRecord[];
  /** Already done before the crash: deleted (DELETE) or created with the same values (CREATE). */
  doneBefore: CompactRecord[];
  /** Present with other values than saved: someone changed it; left alone. */
  changed: CompactRecord[];
}

function sameRecord(listed: RecordSet, record: CompactRecord): boolean {
  const sorted = (values: string[]) => [...values].sort().join('\n');
  return listed.ttl === record[1] && sorted(listed.values) === sorted(record[2]);
}

export async function reconcileBatch(
  route53: Route53Client,
  zoneId: string,
  action: ChangeAction,
  batch: CompactRecord[],
  pacer: Pacer,
): Promise<ReconciledBatch> {
  const wanted = new Map(batch.map((record) => [recordKey(record[0], record[3]?.SetIdentifier), record]));
  const names = batch.map((record) => record[0]).sort(compareRecordNames);
  const [first, last] = [names[0]!, names[names.length - 1]!];
  const found = new Map<string, RecordSet>();
  for await (const page of listRecordSets(route53, zoneId, { start: { name: first, type: 'PTR' }, pacer })) {
    for (const listed of page) {
      const key = recordKey(listed.name, listed.routing?.SetIdentifier);
      if (listed.type === 'PTR' && wanted.has(key)) found.set(key, listed);
    }
    const lastListed = page[page.length - 1];
    if (found.size === wanted.size || (lastListed && compareRecordNames(lastListed.name, last) > 0)) break;
  }
  const result: ReconciledBatch = { toSend: [], doneBefore: [], changed: [] };
  for (const [key, record] of wanted) {
    const listed = found.get(key);
    if (!listed) (action === 'DELETE' ? result.doneBefore : result.toSend).push(record);
    else if (!sameRecord(listed, record)) result.changed.push(record);
    else (action === 'DELETE' ? result.toSend : result.doneBefore).push(record);
  }
  return result;
}
