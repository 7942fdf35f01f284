/** The cluster against the real simulated cloud (part C): instance events drive Nodes, the safety record holds. */
import { AutoScalingClient, SetDesiredCapacityCommand, TerminateInstanceInAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { VirtualClock } from '../../src/clock.js';
import { loadAwsScenario, startCloud } from '../../src/cloud/index.js';
import { emptyFaults, MutationLog } from '../../src/contracts.js';
import { loadClusterScenario, startCluster } from '../../src/cluster/index.js';
import { tempDir } from './k8s-stub-cloud.js';
import { credentials } from './aws-fixture.js';

const DIR = new URL('../../src/scenarios/minimal', import.meta.url).pathname;

describe('sandbox cluster with the simulated cloud', () => {
  it('registers initial instances Ready, boots a new one to Ready, and records the pods on a terminated node', async () => {
    const clock = new VirtualClock(Date.parse('2026-01-05T09:00:00Z'), 0);
    const log = new MutationLog();
    const faults = emptyFaults();
    const dir = tempDir();
    const aws = await startCloud({ clock, faults, log, scenario: loadAwsScenario(DIR) });
    const cluster = await startCluster({ clock, faults, log, cloud: aws.cloud, scenario: loadClusterScenario(DIR), dataDir: dir.path, redis: false });
    try {
      await cluster.registerInitial(() => aws.emitInitial());
      const kc = new KubeConfig();
      kc.loadFromFile(cluster.kubeconfigPath);
      const core = kc.makeApiClient(CoreV1Api);
      const readyNodes = async () =>
        (await core.listNode({ labelSelector: 'eks.amazonaws.com/nodegroup=eks-min-workers' })).items
          .filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
          .map((n) => n.metadata!.name!);
      expect(await readyNodes()).toHaveLength(3);
      const db = await core.readNamespacedPod({ namespace: 'default', name: 'db-0' });
      expect(db.status?.phase).toBe('Running');

      const asg = new AutoScalingClient({ region: aws.region, endpoint: aws.endpoints.autoScaling, credentials });
      await asg.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'eks-min-workers', DesiredCapacity: 4 }));
      await clock.advance(41_000); // boot
      expect(await readyNodes()).toHaveLength(3);
      await clock.advance(15_000); // kubelet
      expect(await readyNodes()).toHaveLength(4);

      // Terminating without a drain: the log names the workload pods that were still there.
      const victim = db.spec!.nodeName!;
      const instanceId = (await core.readNode({ name: victim })).spec!.providerID!.split('/').pop()!;
      await asg.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: instanceId, ShouldDecrementDesiredCapacity: true }));
      await clock.advance(120_000);
      const record = log.find({ service: 'kubernetes', action: 'node-terminating', target: victim });
      expect(record).toHaveLength(1);
      expect(record[0]!.details.pods).toContain('default/db-0');
      expect(await readyNodes()).not.toContain(victim);
    } finally {
      await cluster.stop();
      await aws.stop();
      clock.stop();
      dir.remove();
    }
  });
});
