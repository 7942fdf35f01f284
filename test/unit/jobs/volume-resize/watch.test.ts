import { GiB } from '../../../../src/jobs/volume-resize/sizes.js';
import { adviceFor, readPhase, type ClaimStatus } from '../../../../src/jobs/volume-resize/watch.js';

const TARGET = 20 * GiB;
const status = (overrides: Partial<ClaimStatus> = {}): ClaimStatus => ({ capacity: '10Gi', conditions: [], ...overrides });
const cond = (type: string, message?: string) => ({ type, status: 'True', message });

describe('readPhase', () => {
  it.each<[string, ClaimStatus, string]>([
    ['nothing yet', status(), 'waiting'],
    ['Resizing', status({ conditions: [cond('Resizing')] }), 'resizing'],
    ['FileSystemResizePending', status({ conditions: [cond('FileSystemResizePending')] }), 'filesystem-pending'],
    ['capacity reached', status({ capacity: '20Gi', conditions: [cond('FileSystemResizePending')] }), 'done'],
    ['a condition that is False', status({ conditions: [{ type: 'Resizing', status: 'False' }] }), 'waiting'],
  ])('%s', (_name, s, phase) => expect(readPhase(s, [], TARGET, 0).phase).toBe(phase));

  it('reports a controller error with its message', () => {
    expect(readPhase(status({ conditions: [cond('ControllerResizeError', 'VolumeModificationRateExceeded: wait')] }), [], TARGET, 0)).toEqual({
      phase: 'error',
      source: 'controller',
      message: 'VolumeModificationRateExceeded: wait',
    });
  });

  it('reports a node error from allocatedResourceStatuses with the event text', () => {
    const events = [{ type: 'Warning', reason: 'FileSystemResizeFailed', message: 'resize2fs failed', at: 5 }];
    expect(readPhase(status({ allocatedStatus: 'NodeResizeInfeasible' }), events, TARGET, 0)).toEqual({ phase: 'error', source: 'node', message: 'resize2fs failed' });
  });

  it('reads a resize failure event newer than the patch', () => {
    const events = [{ type: 'Warning', reason: 'VolumeResizeFailed', message: 'resize volume "vol-1" by resizer "ebs.csi.aws.com" failed', at: 10 }];
    expect(readPhase(status({ conditions: [cond('Resizing')] }), events, TARGET, 5)).toMatchObject({ phase: 'error', source: 'controller' });
  });

  it('ignores failures from before the patch, and failures followed by progress', () => {
    const old = [{ type: 'Warning', reason: 'VolumeResizeFailed', message: 'old', at: 1 }];
    expect(readPhase(status(), old, TARGET, 5).phase).toBe('waiting');
    const recovered = [...old, { type: 'Warning', reason: 'VolumeResizeFailed', message: 'x', at: 6 }, { type: 'Normal', reason: 'FileSystemResizeRequired', message: 'ok', at: 7 }];
    expect(readPhase(status({ conditions: [cond('FileSystemResizePending')] }), recovered, TARGET, 5).phase).toBe('filesystem-pending');
  });
});

describe('adviceFor', () => {
  // EBS's rate refusal is no error to advise on: the watch step turns it into a refusal naming the next time.
  it('explains a controller failure and a node failure differently', () => {
    expect(adviceFor({ source: 'controller', message: 'AccessDenied' }, 'data', 'p')).toMatch(/ebs-csi-controller logs/);
    expect(adviceFor({ source: 'node', message: 'resize2fs' }, 'data', 'p')).toMatch(/restart the pod to retry/);
  });
});
