/**
 * A zone's records in a stored plan, packed into one string: a line per record, `name ttl routing value…`,
 * fields separated by a space (`-` for no routing, else its JSON), `%`, space and newline escaped as `%XX`.
 * A cleanup of 1,000,000 records plans ~500,000 deletions: as one array per record they are ~90 MB of heap in
 * the worker, and parsing the plan's JSON makes two million objects; packed they are ~35 MB of flat strings,
 * one per zone. A scan keeps its candidates the same way. Records become tuples again one zone at a time.
 */
import type { RoutingFields } from '../../integrations/aws/route53.js';
import type { CompactRecord, PackedRecords } from './model.js';

const NEEDS_ESCAPE = /[% \n]/g;
const ESCAPED = /%([0-9A-F]{2})/g;
const NO_ROUTING = '-';

const escapeField = (text: string) => text.replace(NEEDS_ESCAPE, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
const unescapeField = (text: string) => (text.includes('%') ? text.replace(ESCAPED, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))) : text);

function packLine([name, ttl, values, routing]: CompactRecord): string {
  const routingField = routing ? escapeField(JSON.stringify(routing)) : NO_ROUTING;
  return [escapeField(name), String(ttl), routingField, ...values.map(escapeField)].join(' ');
}

function unpackLine(line: string): CompactRecord {
  const [name, ttl, routing, ...values] = line.split(' ');
  const record: CompactRecord = [unescapeField(name!), Number(ttl), values.map(unescapeField)];
  if (routing !== NO_ROUTING) record.push(JSON.parse(unescapeField(routing!)) as RoutingFields);
  return record;
}

export function packRecords(records: Iterable<CompactRecord>): PackedRecords {
  return appendRecords({ count: 0, lines: '' }, records);
}

/** Adds records at the end (a page of a scan at a time: the joined text is only flattened when read). */
export function appendRecords(packed: PackedRecords, records: Iterable<CompactRecord>): PackedRecords {
  const lines: string[] = [];
  for (const record of records) lines.push(packLine(record));
  if (lines.length === 0) return packed;
  packed.lines = packed.count === 0 ? lines.join('\n') : `${packed.lines}\n${lines.join('\n')}`;
  packed.count += lines.length;
  return packed;
}

/** The records `keep` accepts, packed: their lines are kept as they are, never unpacked and packed again. */
export function filterRecords(packed: PackedRecords, keep: (record: CompactRecord) => boolean): PackedRecords {
  const kept = packed.count === 0 ? [] : packed.lines.split('\n').filter((line) => keep(unpackLine(line)));
  return { count: kept.length, lines: kept.join('\n') };
}

/** The zone's records as tuples, in the order they were packed. */
export function unpackRecords(packed: PackedRecords): CompactRecord[] {
  return packed.count === 0 ? [] : packed.lines.split('\n').map(unpackLine);
}
