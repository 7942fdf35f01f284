/**
 * `npm run bench [name] [options]`: runs bench/<name>.ts, or every known benchmark in turn.
 * Each module exports `run(argv): Promise<void>`; the options after the name are its argv. Starts a private redis-server for deckhand
 * unless REDIS_URL is set.
 */
import { startPrivateRedis } from '../sandbox/src/private-redis.js';

const KNOWN = ['ack', 'rollout', 'estimate', 'ptr-cleanup', 'postmortem', 'scale', 'cost'];

async function main(): Promise<void> {
  const requested = process.argv[2];
  if (requested && !/^[a-z0-9-]+$/.test(requested)) throw new Error(`bad benchmark name: ${requested}`);
  const names = requested ? [requested] : KNOWN;
  const redis = process.env.REDIS_URL ? undefined : await startPrivateRedis();
  if (redis) process.env.REDIS_URL = redis.url;
  for (const name of names) {
    if (!KNOWN.includes(name)) throw new Error(`unknown benchmark ${name}; one of ${KNOWN.join(', ')}`);
    const bench = (await import(`./${name}.ts`)) as { run(argv: string[]): Promise<void> };
    console.log(`\n== ${name} ==`);
    await bench.run(process.argv.slice(3));
  }
  await redis?.stop();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
