/** Free loopback ports for Redis processes; a cluster node also needs port + 10000 free for its cluster bus. */
import { createServer } from 'node:net';

function probe(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function ephemeral(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Ports below 55535 whose bus port (+10000) is free too. */
export async function allocatePorts(count: number, taken: Set<number>): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = await ephemeral();
    const candidate = port > 55535 ? port - 20000 : port;
    if (taken.has(candidate) || ports.includes(candidate)) continue;
    if ((await probe(candidate)) && (await probe(candidate + 10000))) ports.push(candidate);
  }
  return ports;
}
