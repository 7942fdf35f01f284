/**
 * Redis Sentinel commands for the rollout's typed procedure: SENTINEL FAILOVER, GET-MASTER-ADDR-BY-NAME,
 * SENTINEL RESET (drops stale replica addresses instead of restarting Sentinel), and INFO replication.
 */
import { parseInfo, withRedis, type RedisAddress } from './cluster.js';

export async function sentinelFailover(sentinel: RedisAddress, masterName: string): Promise<void> {
  await withRedis(sentinel, (r) => r.call('SENTINEL', 'FAILOVER', masterName));
}

export async function sentinelMasterAddress(sentinel: RedisAddress, masterName: string): Promise<RedisAddress | undefined> {
  const reply = (await withRedis(sentinel, (r) => r.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName))) as string[] | null;
  if (!reply || reply.length < 2) return undefined;
  return { host: reply[0]!, port: Number(reply[1]) };
}

export async function sentinelReset(sentinel: RedisAddress, masterName: string): Promise<void> {
  await withRedis(sentinel, (r) => r.call('SENTINEL', 'RESET', masterName));
}

export interface ReplicationInfo {
  role: 'master' | 'replica';
  masterLinkUp: boolean;
  syncInProgress: boolean;
  connectedReplicas: number;
  masterAddress?: RedisAddress;
}

export async function replicationInfo(address: RedisAddress): Promise<ReplicationInfo> {
  const info = parseInfo(String(await withRedis(address, (r) => r.call('INFO', 'replication'))));
  return {
    role: info.role === 'master' ? 'master' : 'replica',
    masterLinkUp: info.master_link_status === 'up',
    syncInProgress: info.master_sync_in_progress === '1',
    connectedReplicas: Number(info.connected_slaves ?? 0),
    masterAddress: info.master_host ? { host: info.master_host, port: Number(info.master_port) } : undefined,
  };
}

/** A replica's sync is done when its link is up and no sync is in progress. */
export const replicaInSync = (r: ReplicationInfo) => r.role === 'replica' && r.masterLinkUp && !r.syncInProgress;
