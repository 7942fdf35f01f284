/**
 * A worker process SIGKILLed in the middle of a cleanup: another worker resumes the BullMQ job from
 * its checkpoint; every stale record is deleted exactly once and saved for restore exactly once.
 */
import { ActionIds } from '../../../../src/blocks/action-ids.js';
import { RedisRecordBackups } from '../../../../src/jobs/ptr-cleanup/backups.js';
import { ptrCleanupKind } from '../../../../src/jobs/ptr-cleanup/index.js';
import type { PtrState } from '../../../../src/jobs/ptr-cleanup/model.js';
import { generatePtrZones } from '../../../../sandbox/src/cloud/index.js';
import { readScenario } from '../../../../sandbox/src/index.js';
import { startFoundation, type Harness } from '../../../helpers/foundation-harness.js';
import { spawnWorker, type WorkerChild } from '../../../helpers/worker-child.js';
import { deletesIn, startPtrSandbox, type PtrSandbox } from './helpers.js';

const REQUESTER = 'U0REQ';
const APPROVER = 'U0APPROVER';
const POLICY = `commands:\n  ptr-cleanup:\n    run: '*'\n    approve: ['${APPROVER}']\n    settings:\n      maxZoneShare: 1\n`;

describe('ptr-cleanup: a worker process killed mid-way', () => {
  let sandbox: PtrSandbox;
  let h: Harness;
  let child: WorkerChild | undefined;

  beforeEach(async () => {
    // Virtual time 5× real, so the run lasts long enough to be killed in the middle; INSYNC after 2 s.
    const scenario = readScenario('minimal');
    scenario.aws.route53SyncSeconds = 2;
    sandbox = await startPtrSandbox({ scenario, speed: 5, prepareCloud: (cloud) => generatePtrZones(cloud.model, { zones: 2, records: 6000, staleShare: 0.5, seed: 9 }) });
    h = await startFoundation({
      kinds: [ptrCleanupKind],
      policyYaml: POLICY,
      clock: sandbox.clock,
      clients: sandbox,
    });
  });
  afterEach(async () => {
    await child?.kill();
    await h.stop();
    await sandbox.stop();
  });

  it('resumes in another worker: each record deleted once, each saved once', async () => {
    child = await spawnWorker(['ptr-cleanup'], { ...sandbox.env, ...h.workerEnv(), AWS_MAX_ATTEMPTS: '8' });

    await h.command('ptr-cleanup --zone Z0GEN0064PTR --zone Z0GEN0065PTR', REQUESTER);
    // 12,000 records read at Route 53's pace: on a busy machine the plan takes more than the default 10 s.
    const plan = await h.waitForPlan(undefined, 60_000);
    await h.clickPlan(ActionIds.approve, plan.id, APPROVER);
    // Kill once the first batch is confirmed, well before the last of four.
    const deadline = Date.now() + 20_000;
    let atKill: PtrState | undefined;
    while (!atKill || Object.values(atKill.zones).reduce((n, z) => n + z.nextBatch, 0) < 1) {
      if (Date.now() > deadline) throw new Error('the child worker made no progress');
      await new Promise((r) => setTimeout(r, 5));
      atKill = (await h.queue.getJob(plan.id))?.data.checkpoint?.state as PtrState | undefined;
    }
    await child.kill();
    expect(Object.values(atKill.zones).filter((z) => z.complete)).not.toHaveLength(2);

    await h.startWorker({ workerOptions: { lockDuration: 1000, stalledInterval: 300 } });
    const done = await h.waitForStatus(plan.id, ['succeeded', 'failed'], 30_000);
    expect(done.status).toBe('succeeded');
    expect(done.outcome).toContain('Deleted 3000 of 3000 PTR records in 2 zone(s).');
    const deleted = deletesIn(sandbox.log);
    expect(deleted).toHaveLength(3000);
    expect(new Set(deleted).size).toBe(3000);
    const saved = (await new RedisRecordBackups(h.redis, h.prefix).load(plan.id)).filter((b) => b.state === 'deleted').flatMap((b) => b.records.map((r) => `${b.zoneId} ${r[0]}`));
    expect(saved.sort()).toEqual([...deleted].sort());
  });
});
