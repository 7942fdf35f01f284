/**
 * The console's side panel: the simulated world as a person would look it up with kubectl and the AWS console —
 * nodes by AZ and launch template version, pods per node, PDB allowances, Redis roles, reverse zones (stale and
 * live PTR records), PVCs and EBS volumes, and the virtual clock. Read from the sandbox's models, never changed.
 */
import type { Sandbox } from '../index.js';
import type { NodeObject, PdbObject, PodObject, PvcObject, PvObject, SecretObject } from '../cluster/objects.js';
import { connect } from '../cluster/redis/process.js';

export interface WorldNode {
  name: string;
  zone: string;
  instanceId: string;
  group: string;
  launchTemplateVersion: string;
  /** Launched from an older version of the template than its group's. */
  outdated: boolean;
  ready: boolean;
  unschedulable: boolean;
  pods: number;
}

export interface World {
  clock: { now: number; speed: number };
  groups: { name: string; desired: number; launchTemplateVersion: string }[];
  nodes: WorldNode[];
  pdbs: { name: string; allowed: number; healthy: number; desired: number }[];
  redis: { pod: string; role: string }[];
  reverseZones: { name: string; live: number; stale: number }[];
  pvcs: { name: string; requested: string; capacity: string; volumeId: string }[];
  volumes: { id: string; sizeGiB: number; type: string; modification: string }[];
}

const ZONE_LABEL = 'topology.kubernetes.io/zone';

/** Everything but the Redis roles, which need a round trip to each redis-server (see `RedisRoles`). */
export function observeWorld(sandbox: Sandbox, redis: RedisRoles): World {
  const { model: cluster } = sandbox.cluster;
  const { ec2, autoScaling, route53 } = sandbox.cloud.model;
  const pods = cluster.list<PodObject>('Pod').filter((p) => p.status.phase !== 'Succeeded' && p.status.phase !== 'Failed');
  const groupVersion = (template: { id: string; version: string }) => {
    const stored = ec2.launchTemplates.get(template.id);
    if (template.version === '$Latest') return String(Math.max(...(stored?.versions.map((v) => v.versionNumber) ?? [0])));
    if (template.version === '$Default') return String(stored?.defaultVersion);
    return template.version;
  };
  const nodes = cluster.list<NodeObject>('Node').map((node): WorldNode => {
    const instanceId = node.spec.providerID.split('/').pop() ?? '';
    const instance = ec2.instances.get(instanceId);
    const group = autoScaling.groups.get(instance?.autoScalingGroupName ?? '');
    return {
      name: node.metadata.name,
      zone: node.metadata.labels?.[ZONE_LABEL] ?? instance?.availabilityZone ?? '?',
      instanceId,
      group: group?.name ?? '',
      launchTemplateVersion: instance?.launchTemplateVersion ?? '?',
      outdated: group !== undefined && instance?.launchTemplateVersion !== groupVersion(group.launchTemplate),
      ready: node.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
      unschedulable: node.spec.unschedulable === true,
      pods: pods.filter((p) => p.spec.nodeName === node.metadata.name).length,
    };
  });
  nodes.sort((a, b) => a.zone.localeCompare(b.zone) || a.name.localeCompare(b.name));
  const claims = cluster.list<PvcObject>('PersistentVolumeClaim');
  const volumesByPv = new Map(cluster.list<PvObject>('PersistentVolume').map((pv) => [pv.metadata.name, pv.spec.csi.volumeHandle]));
  return {
    clock: { now: sandbox.clock.now(), speed: sandbox.clock.speed },
    groups: [...autoScaling.groups.values()].map((g) => ({ name: g.name, desired: g.desiredCapacity, launchTemplateVersion: groupVersion(g.launchTemplate) })),
    nodes,
    pdbs: cluster.list<PdbObject>('PodDisruptionBudget').map((pdb) => ({
      name: `${pdb.metadata.namespace}/${pdb.metadata.name}`,
      allowed: pdb.status?.disruptionsAllowed ?? 0,
      healthy: pdb.status?.currentHealthy ?? 0,
      desired: pdb.status?.desiredHealthy ?? 0,
    })),
    redis: redis.latest(),
    reverseZones: [...route53.zones.values()]
      .filter((z) => z.name.endsWith('in-addr.arpa.'))
      .map((zone) => {
        const ptrs = zone.records.filter((r) => r.type === 'PTR');
        const live = ptrs.filter((r) => {
          const ip = ipOfPtrName(r.name);
          return ip !== undefined && ec2.ownsIp(ip);
        }).length;
        return { name: zone.name, live, stale: ptrs.length - live };
      }),
    pvcs: claims.map((c) => ({
      name: `${c.metadata.namespace}/${c.metadata.name}`,
      requested: c.spec.resources.requests.storage,
      capacity: c.status.capacity?.storage ?? '-',
      volumeId: volumesByPv.get(c.spec.volumeName) ?? '',
    })),
    volumes: [...ec2.volumes.values()].map((v) => ({
      id: v.volumeId,
      sizeGiB: v.sizeGiB,
      type: v.volumeType,
      modification: v.modifications.at(-1)?.state ?? '',
    })),
  };
}

/** `4.3.2.10.in-addr.arpa.` → `10.2.3.4`; undefined for a name that is no single address (a delegation, a label). */
function ipOfPtrName(name: string): string | undefined {
  const octets = name.replace(/\.in-addr\.arpa\.?$/, '').split('.');
  return octets.length === 4 && octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) < 256) ? octets.reverse().join('.') : undefined;
}

/**
 * Each Redis pod's replication role (`ROLE`: master, slave, sentinel), asked of its redis-server every few
 * seconds in the background; a pod that does not answer shows as `down`.
 */
export class RedisRoles {
  private roles: { pod: string; role: string }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(private readonly sandbox: Sandbox) {}

  start(intervalMs = 2000): void {
    void this.poll();
    this.timer = setInterval(() => void this.poll(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  latest(): { pod: string; role: string }[] {
    return this.roles;
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const { model } = this.sandbox.cluster;
      const pods = model
        .list<PodObject>('Pod')
        .map((p) => `${p.metadata.namespace}/${p.metadata.name}`)
        .filter((id) => this.sandbox.cluster.redisPort(id) !== undefined);
      this.roles = await Promise.all(pods.map(async (pod) => ({ pod, role: await this.roleOf(pod, this.sandbox.cluster.redisPort(pod)!) })));
    } finally {
      this.polling = false;
    }
  }

  /** The Secrets of the pod's namespace hold its password, if it has one (the scenario's `redis-auth`). */
  private async roleOf(pod: string, port: number): Promise<string> {
    const namespace = pod.split('/')[0];
    const passwords = [undefined, ...this.sandbox.cluster.model.list<SecretObject>('Secret', namespace).flatMap((s) => Object.values(s.data ?? {}).map((v) => Buffer.from(v, 'base64').toString('utf8')))];
    for (const password of passwords) {
      const client = connect(port, password);
      client.on('error', () => undefined);
      try {
        const reply = (await client.call('ROLE')) as unknown[];
        return String(reply[0]);
      } catch (error) {
        if (!/NOAUTH|WRONGPASS|invalid password/i.test(String(error))) return 'down';
      } finally {
        client.disconnect();
      }
    }
    return 'down';
  }
}
