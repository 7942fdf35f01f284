import type { PodView } from '../../../../src/integrations/kubernetes/pods.js';
import type { StatefulSetTemplate } from '../../../../src/integrations/kubernetes/temporary-pods.js';
import { TEMPORARY_FOR_LABEL, TEMPORARY_RUN_ANNOTATION, temporaryPodSpec } from '../../../../src/jobs/rollout/redis-temporary.js';

const TAINT = 'deckhand.dev/rollout';

const primary = { namespace: 'cache', name: 'redis-cache-0' } as PodView;

function statefulSet(): StatefulSetTemplate {
  return {
    claimNames: ['data', 'conf'],
    template: {
      metadata: { labels: { app: 'redis-cache' }, annotations: { note: 'kept' } },
      spec: {
        containers: [{ name: 'redis', image: 'redis:7' }],
        volumes: [{ name: 'conf', configMap: { name: 'redis-conf' } }],
        tolerations: [
          { key: TAINT, operator: 'Exists', effect: 'NoSchedule' },
          { operator: 'Exists' },
          { key: 'dedicated', operator: 'Equal', value: 'cache', effect: 'NoSchedule' },
        ],
        nodeName: 'ip-10-0-1-1.ec2.internal',
        hostname: 'redis-cache-0',
        subdomain: 'redis-cache',
      },
    },
  };
}

describe('temporaryPodSpec', () => {
  test('copies the template under the new name, lands off the tainted nodes and gets an empty data directory', () => {
    const sts = statefulSet();
    const pod = temporaryPodSpec(primary, sts, 'redis-cache-0-deckhand-tmp', TAINT, 'run-1');
    expect(pod.metadata).toEqual({
      name: 'redis-cache-0-deckhand-tmp',
      namespace: 'cache',
      labels: { app: 'redis-cache', [TEMPORARY_FOR_LABEL]: 'redis-cache-0' },
      annotations: { note: 'kept', [TEMPORARY_RUN_ANNOTATION]: 'run-1' },
    });
    // Tolerations of the rollout's taint (by key or a blanket Exists) are dropped; others stay.
    expect(pod.spec!.tolerations).toEqual([{ key: 'dedicated', operator: 'Equal', value: 'cache', effect: 'NoSchedule' }]);
    // A claim template without a volume of that name becomes an emptyDir; an existing volume is left as is.
    expect(pod.spec!.volumes).toEqual([{ name: 'conf', configMap: { name: 'redis-conf' } }, { name: 'data', emptyDir: {} }]);
    expect(pod.spec).toMatchObject({ nodeName: undefined, hostname: undefined, subdomain: undefined });
    expect(pod.spec!.containers).toEqual(sts.template.spec!.containers);
    // The StatefulSet's template read from the API is not modified.
    expect(sts).toEqual(statefulSet());
  });

  test('a template without volumes or tolerations still gets its claim volumes', () => {
    const sts: StatefulSetTemplate = { claimNames: ['data'], template: { spec: { containers: [{ name: 'redis' }] } } };
    const pod = temporaryPodSpec(primary, sts, 'redis-cache-0-deckhand-tmp', TAINT, 'run-1');
    expect(pod.spec!.volumes).toEqual([{ name: 'data', emptyDir: {} }]);
    expect(pod.spec!.tolerations).toEqual([]);
    expect(pod.metadata!.labels).toEqual({ [TEMPORARY_FOR_LABEL]: 'redis-cache-0' });
  });
});
