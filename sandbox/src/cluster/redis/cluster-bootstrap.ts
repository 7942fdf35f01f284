/**
 * Forms a Redis Cluster from fresh nodes, like `redis-cli --cluster create --cluster-replicas N`: MEET everyone,
 * give the primaries contiguous slot ranges covering all 16384 slots, then make each remaining node replicate a
 * primary in turn, and wait until every node reports cluster_state:ok and every replica's link to its primary is
 * up (a CLUSTER FAILOVER sent to a replica still in its first sync never happens). Redis runs in real time and
 * the machine may be busy: the deadline only detects a cluster that will not form, it paces nothing.
 */
import { pollRedis, withRedis } from './process.js';

const SLOTS = 16384;

const DEADLINE_MS = 60_000;

async function waitFor(what: string, check: () => Promise<boolean>): Promise<void> {
  if (!(await pollRedis(check, DEADLINE_MS))) throw new Error(`redis cluster bootstrap: timed out waiting for ${what}`);
}

/**
 * One command, sent again while a busy machine drops the connection (the admin connection gives up after
 * 500 ms to connect, 1 s to answer). `done`: an error that means an earlier attempt already took effect.
 */
async function command(port: number, args: string[], done?: RegExp): Promise<string> {
  let reply = '';
  let last: unknown;
  const ok = await pollRedis(async () => {
    try {
      reply = String(await withRedis(port, (c) => c.call(args[0]!, ...args.slice(1))));
      return true;
    } catch (error) {
      last = error;
      return Boolean(done?.test(String(error)));
    }
  }, DEADLINE_MS);
  if (!ok) throw new Error(`redis cluster bootstrap: ${args.join(' ')} on port ${port}: ${String(last)}`);
  return reply;
}

export async function bootstrapCluster(ports: number[], primaries: number): Promise<void> {
  const assigned = await command(ports[0]!, ['CLUSTER', 'INFO']);
  if (!/cluster_slots_assigned:0\b/.test(assigned)) return; // nodes.conf already holds a formed cluster
  for (const port of ports.slice(1)) await command(ports[0]!, ['CLUSTER', 'MEET', '127.0.0.1', String(port)]);
  const primaryPorts = ports.slice(0, primaries);
  for (const [i, port] of primaryPorts.entries()) {
    const first = Math.floor((i * SLOTS) / primaries);
    const last = Math.floor(((i + 1) * SLOTS) / primaries) - 1;
    await command(port, ['CLUSTER', 'ADDSLOTSRANGE', String(first), String(last)], /already busy/);
  }
  await waitFor('every node to know every other', async () => {
    for (const port of ports) {
      const nodes = String(await withRedis(port, (c) => c.call('CLUSTER', 'NODES')));
      if (nodes.trim().split('\n').length < ports.length || nodes.includes('handshake')) return false;
    }
    return true;
  });
  const primaryIds = await Promise.all(primaryPorts.map((port) => command(port, ['CLUSTER', 'MYID'])));
  for (const [i, port] of ports.slice(primaries).entries()) await command(port, ['CLUSTER', 'REPLICATE', primaryIds[i % primaries]!]);
  await waitFor('every replica in sync with its primary', async () => {
    for (const port of ports.slice(primaries)) {
      const role = (await withRedis(port, (c) => c.call('ROLE'))) as unknown[];
      if (role[0] !== 'slave' || role[3] !== 'connected') return false;
    }
    return true;
  });
  await waitFor('cluster_state:ok on every node', async () => {
    for (const port of ports) {
      const info = String(await withRedis(port, (c) => c.call('CLUSTER', 'INFO')));
      if (!info.includes('cluster_state:ok')) return false;
    }
    return true;
  });
}
