/**
 * Change batches as large as Route 53 accepts: at most 1,000 values and 32,000 characters of values
 * per ChangeResourceRecordSets (CREATE and DELETE count once; UPSERT, never used here, twice).
 * Deterministic, so batch k is the same records after a crash as before it.
 */
import { recordValues, type CompactRecord } from './model.js';

export const MAX_VALUES_PER_CHANGE = 1000;
export const MAX_VALUE_CHARS_PER_CHANGE = 32_000;

export function splitIntoBatches(records: CompactRecord[]): CompactRecord[][] {
  const batches: CompactRecord[][] = [];
  let current: CompactRecord[] = [];
  let values = 0;
  let chars = 0;
  for (const record of records) {
    const recordValueCount = recordValues(record).length;
    const recordChars = recordValues(record).reduce((sum, value) => sum + value.length, 0);
    if (current.length > 0 && (values + recordValueCount > MAX_VALUES_PER_CHANGE || chars + recordChars > MAX_VALUE_CHARS_PER_CHANGE)) {
      batches.push(current);
      current = [];
      values = 0;
      chars = 0;
    }
    current.push(record);
    values += recordValueCount;
    chars += recordChars;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
