/**
 * A test-only job kind whose one step reads an Auto Scaling group (`/deckhand describe-group`): the smallest run
 * that waits on an AWS call. It records in Redis when the call starts (`<prefix>:calls`) and when cleanup runs
 * (`<prefix>:cleanup`).
 */
import type { RedisClient } from '../../src/integrations/redis/connections.js';
import { z } from 'zod';
import { describeGroup } from '../../src/integrations/aws/auto-scaling.js';
import type { JobKind } from '../../src/jobs/kind.js';

export const DESCRIBED_GROUP = 'eks-prod-workers';

export function describeGroupKind(redis: RedisClient, prefix: string): JobKind {
  return {
    command: { subcommand: 'describe-group', summary: 'test: one Auto Scaling call', usage: '/deckhand describe-group', example: '/deckhand describe-group', flags: [] },
    mutating: true,
    settingsSchema: z.object({}).strict(),
    parseArgs: () => ({}),
    isDryRun: () => false,
    target: () => `asg/${DESCRIBED_GROUP}`,
    observe: async () => ({}),
    fingerprint: () => 'same',
    plan: () => ({ kind: 'plan', plan: {}, empty: false }),
    renderPlan: () => ({ summary: `Describe ${DESCRIBED_GROUP}`, blocks: [] }),
    initialState: () => ({}),
    steps: () => [
      {
        id: 'describe',
        title: `Describe ${DESCRIBED_GROUP}`,
        async run(ctx) {
          await redis.rpush(`${prefix}:calls`, 'describe');
          await describeGroup(ctx.clients.autoScaling, DESCRIBED_GROUP);
        },
      },
    ],
    async cleanup() {
      await redis.rpush(`${prefix}:cleanup`, 'done');
      return { done: [], left: [] };
    },
    summarize: (_plan, _state, outcome) => `describe-group ${outcome}`,
  };
}
