#!/usr/bin/env node
/** Entry point: `deckhand bot | worker | all` (see `deckhand --help`). */
import { ConfigError } from './config.js';
import type { Mode } from './runtime.js';
import { serve } from './serve.js';

const MODES: Mode[] = ['bot', 'worker', 'all'];

const HELP = `usage: deckhand <mode>

modes:
  bot      the Slack app: answers /deckhand, plans, and takes Approve/Reject, Pause and Cancel clicks
  worker   runs approved plans as BullMQ jobs and cleans up runs that died
  all      bot and worker in one process (default)

environment (README "Configuration" has the full list):
  SLACK_BOT_TOKEN        bot token, xoxb-… (required)
  SLACK_SIGNING_SECRET   signing secret (required for the bot's HTTP receiver)
  SLACK_APP_TOKEN        app-level token, xapp-…: Socket Mode instead of HTTP
  SLACK_API_URL          Web API base URL (GovSlack, tests)
  REDIS_URL              redis:// or rediss:// URL (default redis://127.0.0.1:6379)
  DECKHAND_REDIS_PREFIX  key prefix (default deckhand)
  DECKHAND_CONFIG        path to the YAML policy file
  DECKHAND_TEMPLATES_DIR report template overrides
  PORT                   HTTP port for /slack/events, /healthz, /metrics and /admin/queues (default 3000)
  DECKHAND_DASHBOARD     off | read-only | read-write: the job dashboard at /admin/queues (default off)
  LOG_LEVEL              fatal | error | warn | info | debug | trace | silent (default info)
  AWS_REGION, AWS_ENDPOINT_URL_<SERVICE>, KUBECONFIG   the AWS account and cluster to operate on
  DECKHAND_BOT_AWS_PROFILE, DECKHAND_WORKER_AWS_PROFILE  mode all: each role's AWS profile (docs/permissions.md)
  DECKHAND_BOT_KUBECONFIG, DECKHAND_WORKER_KUBECONFIG    mode all: each role's kubeconfig`;

async function main(argv: string[]): Promise<void> {
  const arg = argv[0] ?? 'all';
  if (arg === '--help' || arg === '-h' || arg === 'help') {
    console.log(HELP);
    return;
  }
  if (!(MODES as string[]).includes(arg)) {
    console.error(`deckhand: unknown mode "${arg}"\n\n${HELP}`);
    process.exit(2);
  }
  await serve(arg as Mode);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error('deckhand: invalid configuration');
    for (const problem of err.problems) console.error(`  - ${problem}`);
  } else {
    console.error('deckhand failed to start:', err instanceof Error ? err.message : err);
  }
  process.exit(1);
});
