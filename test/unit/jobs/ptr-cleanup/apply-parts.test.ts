import { parsePtrArgs } from '../../../../src/jobs/ptr-cleanup/args.js';
import { MAX_VALUE_CHARS_PER_CHANGE, splitIntoBatches } from '../../../../src/jobs/ptr-cleanup/batches.js';
import type { CompactRecord } from '../../../../src/jobs/ptr-cleanup/model.js';
import { RequestPacer } from '../../../../src/jobs/ptr-cleanup/pacer.js';
import { compareRecordNames } from '../../../../src/jobs/ptr-cleanup/reconcile.js';
import { OWNERSHIP_MAX_AGE_MS, ownershipMaxAgeMs } from '../../../../src/jobs/ptr-cleanup/steps.js';
import { submitBatch, type SubmitIo } from '../../../../src/jobs/ptr-cleanup/submit.js';
import { UsageError } from '../../../../src/errors.js';
import { VirtualClock } from '../../../../sandbox/src/clock.js';

const rec = (i: number, values = [`host-${i}.internal.`], ttl = 300): CompactRecord => [`${i % 256}.${Math.floor(i / 256)}.0.10.in-addr.arpa.`, ttl, values];

describe('splitIntoBatches', () => {
  it('fills batches up to 1,000 values', () => {
    const records = Array.from({ length: 2500 }, (_, i) => rec(i, ['h.']));
    expect(splitIntoBatches(records).map((b) => b.length)).toEqual([1000, 1000, 500]);
  });

  it('counts every value of a multi-value record', () => {
    const records = Array.from({ length: 600 }, (_, i) => rec(i, ['a.', 'b.']));
    expect(splitIntoBatches(records).map((b) => b.length)).toEqual([500, 100]);
  });

  it('keeps the characters of the values under 32,000', () => {
    const value = `${'x'.repeat(43)}.`; // 44 characters, like ip-10-123-234-111.us-west-2.compute.internal.
    const batches = splitIntoBatches(Array.from({ length: 2000 }, (_, i) => rec(i, [value])));
    expect(batches[0]!.length).toBe(Math.floor(MAX_VALUE_CHARS_PER_CHANGE / 44));
    expect(batches.reduce((n, b) => n + b.length, 0)).toBe(2000);
    for (const batch of batches) expect(batch.reduce((n, r) => n + r[2][0]!.length, 0)).toBeLessThanOrEqual(MAX_VALUE_CHARS_PER_CHANGE);
  });

  it('is deterministic and keeps order', () => {
    const records = Array.from({ length: 1500 }, (_, i) => rec(i));
    expect(splitIntoBatches(records).flat()).toEqual(records);
    expect(splitIntoBatches(records)).toEqual(splitIntoBatches([...records]));
  });
});

/** A fake Route 53 change call: rejects batches containing `bad` names the way the API words it. */
function fakeRoute53(opts: { notFound?: string[]; protectedNames?: string[]; mismatch?: string[]; nameInMessages?: boolean; throttleFirst?: number }) {
  const calls: number[] = [];
  let throttles = opts.throttleFirst ?? 0;
  const io: SubmitIo = {
    async send(batch) {
      calls.push(batch.length);
      if (throttles > 0) {
        throttles--;
        throw Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
      }
      const messages: string[] = [];
      for (const [name] of batch) {
        const spec = `[name='${name}', type='PTR']`;
        if (opts.notFound?.includes(name)) messages.push(`Tried to delete resource record set ${spec} but it was not found`);
        if (opts.mismatch?.includes(name)) messages.push(`Tried to delete resource record set ${spec} but the values provided do not match the current values`);
        if (opts.protectedNames?.includes(name)) messages.push(opts.nameInMessages === false ? 'A protected record set is in the batch' : `Tried to delete resource record set ${spec} but it is protected`);
      }
      if (messages.length > 0) throw Object.assign(new Error(`[${messages.join(', ')}]`), { name: 'InvalidChangeBatch' });
      return { id: `C${calls.length}`, status: 'PENDING' as const };
    },
  };
  return { io, calls };
}

describe('submitBatch', () => {
  const batch = Array.from({ length: 8 }, (_, i) => rec(i));
  const name = (i: number) => batch[i]![0];

  it('sends a clean batch once', async () => {
    const { io, calls } = fakeRoute53({});
    const outcome = await submitBatch(io, 'DELETE', batch);
    expect(outcome.applied).toEqual(batch);
    expect(calls).toEqual([8]);
  });

  it('takes out the records Route 53 names and sends the rest in one more call', async () => {
    const { io, calls } = fakeRoute53({ notFound: [name(1)], mismatch: [name(5)], protectedNames: [name(6)] });
    const outcome = await submitBatch(io, 'DELETE', batch);
    expect(calls).toEqual([8, 5]);
    expect(outcome.applied.map((r) => r[0])).toEqual([0, 2, 3, 4, 7].map(name));
    expect(outcome.alreadyDone.map((p) => p.record[0])).toEqual([name(1)]);
    expect(outcome.changed.map((p) => p.record[0])).toEqual([name(5)]);
    expect(outcome.rejected).toEqual([{ record: batch[6], message: expect.stringContaining('protected') }]);
    expect(outcome.changeIds).toEqual(['C2']);
  });

  it('bisects when the error names no record, isolating the bad one', async () => {
    const { io, calls } = fakeRoute53({ protectedNames: [name(6)], nameInMessages: false });
    const outcome = await submitBatch(io, 'DELETE', batch);
    expect(outcome.rejected.map((p) => p.record[0])).toEqual([name(6)]);
    expect(outcome.applied).toHaveLength(7);
    expect(calls).toEqual([8, 4, 4, 2, 2, 1, 1]);
  });

  it('does not retry a batch throttled past the SDK retries: the SDK alone retries throttling', async () => {
    const always = fakeRoute53({ throttleFirst: 100 });
    const error = await submitBatch(always.io, 'DELETE', batch).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'Throttling', message: 'Rate exceeded' });
    expect(always.calls).toEqual([8]);
  });

  it('treats "already exists" as done for a CREATE', async () => {
    const io: SubmitIo = {
      send: async (records) => {
        if (records.some((r) => r[0] === name(2))) throw Object.assign(new Error(`[Tried to create resource record set [name='${name(2)}', type='PTR'] but it already exists]`), { name: 'InvalidChangeBatch' });
        return { id: 'C', status: 'PENDING' };
      },
      };
    const outcome = await submitBatch(io, 'CREATE', batch);
    expect(outcome.alreadyDone.map((p) => p.record[0])).toEqual([name(2)]);
    expect(outcome.applied).toHaveLength(7);
  });
});

describe('compareRecordNames (Route 53 listing order)', () => {
  it('compares labels from the right, ASCII within a label', () => {
    const names = ['9.0.0.10.in-addr.arpa.', '10.0.0.10.in-addr.arpa.', '1.1.0.10.in-addr.arpa.', '0.0.10.in-addr.arpa.', '1.0.0.10.in-addr.arpa.'];
    expect([...names].sort(compareRecordNames)).toEqual(['0.0.10.in-addr.arpa.', '1.0.0.10.in-addr.arpa.', '10.0.0.10.in-addr.arpa.', '9.0.0.10.in-addr.arpa.', '1.1.0.10.in-addr.arpa.']);
  });
});

describe('RequestPacer', () => {
  it('spaces requests evenly, in order, without bursts; slows down when throttled and recovers', async () => {
    const clock = new VirtualClock(0, 0);
    const pacer = new RequestPacer(clock, 5);
    const started: number[] = [];
    const all = Promise.all(
      [0, 1, 2].map(async () => {
        await pacer.take();
        started.push(clock.now());
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    await clock.advance(1000, 50);
    await all;
    expect(started).toEqual([0, 200, 400]);
    pacer.settled(3);
    expect(pacer.currentIntervalMs).toBe(400);
    for (let i = 0; i < 20; i++) pacer.settled(1);
    expect(pacer.currentIntervalMs).toBe(200);
    for (let i = 0; i < 10; i++) pacer.settled(2);
    expect(pacer.currentIntervalMs).toBe(1600);
    clock.stop();
  });
});

describe('parsePtrArgs', () => {
  const raw = (positionals: string[], flags: Record<string, string | boolean | string[]> = {}) => ({ subcommand: 'ptr-cleanup', positionals, flags });

  it.each([
    [raw([]), { mode: 'cleanup', zones: [], dryRun: false }],
    [raw([], { zone: ['10.in-addr.arpa', 'Z123', '10.in-addr.arpa'], 'dry-run': true }), { mode: 'cleanup', zones: ['10.in-addr.arpa', 'Z123'], dryRun: true }],
    [raw([], { zone: '/hostedzone/Z123' }), { mode: 'cleanup', zones: ['/hostedzone/Z123'], dryRun: false }],
    [raw(['restore', 'p-abc123']), { mode: 'restore', jobId: 'p-abc123', dryRun: false }],
  ])('%j', (input, args) => {
    expect(parsePtrArgs(input)).toEqual(args);
  });

  it.each([
    [raw(['delete']), 'Unexpected "delete"'],
    [raw(['restore']), 'takes one job id'],
    [raw(['restore', 'a', 'b']), 'takes one job id'],
    [raw(['restore', 'p:1']), 'takes one job id'],
    [raw(['restore', 'p-1'], { zone: 'Z1' }), '--zone does not apply'],
    [raw([], { zone: true }), '--zone needs a zone id or name'],
    [raw([], { zone: 'ten in-addr; rm -rf /' }), 'is not a hosted zone id'],
  ])('refuses %j', (input, message) => {
    expect(() => parsePtrArgs(input)).toThrow(UsageError);
    expect(() => parsePtrArgs(input)).toThrow(message);
  });
});

describe('ownershipMaxAgeMs', () => {
  it('re-reads interfaces once a minute while a read is cheap', () => {
    expect(ownershipMaxAgeMs(0)).toBe(OWNERSHIP_MAX_AGE_MS);
    expect(ownershipMaxAgeMs(2_500)).toBe(60_000);
  });

  it('waits four reads long when a read takes longer, so a run is not one read before every batch', () => {
    // 184,204 interfaces (a million records) took about a minute to read: due again only after four.
    expect(ownershipMaxAgeMs(70_000)).toBe(280_000);
  });
});
