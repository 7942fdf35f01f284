/**
 * Sends one batch of changes and isolates what Route 53 rejects. A change batch is all-or-nothing:
 * one record deleted meanwhile would otherwise fail a thousand. The records Route 53 names in its
 * InvalidChangeBatch messages are taken out and the rest is sent again; when it names none, the
 * batch is split in halves until the bad record stands alone.
 */
import { hasAwsErrorCode } from '../../integrations/aws/errors.js';
import type { ChangeInfo } from '../../integrations/aws/route53.js';
import { recordName, type CompactRecord } from './model.js';
import { recordKey } from './plan.js';

export type ChangeAction = 'DELETE' | 'CREATE';

export interface SubmitOutcome {
  applied: CompactRecord[];
  /** DELETE: not found; CREATE: already exists. Nothing to do for them. */
  alreadyDone: { record: CompactRecord; message: string }[];
  /** DELETE: the values or TTL differ from the plan's: someone changed the record, so it is left alone. */
  changed: { record: CompactRecord; message: string }[];
  rejected: { record: CompactRecord; message: string }[];
  changeIds: string[];
}

/** Throttling is retried by the SDK alone (src/integrations/retry-policy.ts): a throttled send that gets here failed for good. */
export interface SubmitIo {
  send(records: CompactRecord[]): Promise<ChangeInfo>;
}

type Problem = 'alreadyDone' | 'changed' | 'rejected';

/** `Tried to delete resource record set [name='1.0.0.10.in-addr.arpa.', type='PTR'] but it was not found` */
const NAMED_RECORD = /\[name='([^']*)', type='([^']*)'(?:, set-identifier='([^']*)')?\]/;

function problemOf(action: ChangeAction, message: string): Problem {
  if (action === 'DELETE' && /not found/i.test(message)) return 'alreadyDone';
  if (action === 'CREATE' && /already exists/i.test(message)) return 'alreadyDone';
  if (action === 'DELETE' && /do not match/i.test(message)) return 'changed';
  return 'rejected';
}

function normalizedName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

/** One entry per rejected change: from `<Messages>`, or from the bracketed list Route 53 also puts in `message`. */
function messagesOf(error: unknown): string[] {
  const { messages, message } = error as { messages?: string[]; message?: string };
  const texts = messages && messages.length > 0 ? messages : message ? [message] : [];
  return texts.flatMap((text) => text.split(/(?=Tried to )/)).map((text) => text.trim().replace(/^\[|[\],\s]+$/g, '')).filter(Boolean);
}

export async function submitBatch(io: SubmitIo, action: ChangeAction, records: CompactRecord[]): Promise<SubmitOutcome> {
  const outcome: SubmitOutcome = { applied: [], alreadyDone: [], changed: [], rejected: [], changeIds: [] };

  const submit = async (batch: CompactRecord[]): Promise<void> => {
    if (batch.length === 0) return;
    try {
      const change = await io.send(batch);
      outcome.applied.push(...batch);
      outcome.changeIds.push(change.id);
      return;
    } catch (error) {
      if (!hasAwsErrorCode(error, 'InvalidChangeBatch')) throw error;
      const messages = messagesOf(error);
      const byKey = new Map(batch.map((record) => [recordKey(normalizedName(recordName(record)), record[3]?.SetIdentifier), record]));
      const named = new Map<CompactRecord, string>();
      for (const message of messages) {
        const match = NAMED_RECORD.exec(message);
        const record = match && byKey.get(recordKey(normalizedName(match[1]!), match[3]));
        if (record) named.set(record, message);
      }
      if (named.size > 0) {
        for (const [record, message] of named) outcome[problemOf(action, message)].push({ record, message });
        return submit(batch.filter((record) => !named.has(record)));
      }
      if (batch.length === 1) {
        const message = messages.join('; ') || 'rejected';
        outcome[problemOf(action, message)].push({ record: batch[0]!, message });
        return;
      }
      const middle = Math.ceil(batch.length / 2);
      await submit(batch.slice(0, middle));
      await submit(batch.slice(middle));
    }
  };

  await submit(records);
  return outcome;
}
