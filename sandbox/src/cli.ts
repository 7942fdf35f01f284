/**
 * `npm run sandbox`: the whole product on one machine. Starts the simulated AWS,
 * EKS cluster and Slack, writes `.sandbox/env`, then runs the bot and a worker against them and gives
 * you a terminal in place of the Slack client: type `/deckhand ...`, `click N`, `as bob`.
 * `--cloud-only` starts only the simulated services, for a bot run separately (`set -a; . .sandbox/env`).
 */
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { startSandbox, type Sandbox } from './index.js';
import { startPrivateRedis } from './private-redis.js';
import { stopOnExit, type Lifetime } from './stop-on-exit.js';
import { startSocketModeServer } from './slack/socket-mode.js';
import { overHttp, overSocketMode, type ToBot } from './slack/to-bot.js';
import { PEOPLE, SANDBOX_POLICY, SUGGESTED_COMMANDS, USERGROUPS, describePerson, loadSandboxConfig, rightsOf, type PersonName } from './terminal/people.js';
import { changedLines, renderBlocks, type TerminalButton } from './terminal/render.js';
import { startDeckhand } from '../../src/runtime.js';
import { startConsole } from './console/server.js';

const CHANNEL = 'C0OPS';
const INCIDENT_CHANNEL = 'C0INCIDENT';
const CHANNELS = { [CHANNEL]: 'ops', [INCIDENT_CHANNEL]: 'incident-2026-01-05', G0SRE: 'sre-private' };

/** A short incident, minutes before the sandbox started, for `/deckhand postmortem #incident-2026-01-05`. */
const INCIDENT: { min: number; user: string; text: string; pinned?: boolean; replyTo?: number }[] = [
  { min: 0, user: 'U0ALICE', text: ':rotating_light: PagerDuty alert fired: checkout-api p99 latency above 2 s (SEV2). I have it.' },
  { min: 1, user: 'U0BOB', text: 'Looking too. Only checkout-api is slow, everything else is normal.' },
  { min: 3, user: 'U0ALICE', text: 'Last deploy of checkout-api was 3 days ago and only changed texts; ruling out new code.' },
  { min: 6, user: 'U0BOB', text: 'checkout-db (RDS, gp2 300 GiB) read IOPS pinned at 900 since 09:10: burst credits are gone.', pinned: true },
  { min: 8, user: 'U0ALICE', text: 'The queue-depth alert just fired as well, late because Prometheus polls CloudWatch.', replyTo: 3 },
  { min: 11, user: 'U0BOB', text: 'Reads on the orders table are 10x normal for hours, and it has no cache.', replyTo: 3 },
  { min: 14, user: 'U0ALICE', text: 'Mitigation: switching checkout-db storage to gp3 with 3000 IOPS, and pausing the push-notification queue to cut reads.' },
  { min: 19, user: 'U0CAROL', text: 'The mobile 4.12 release went to 20% of users on Monday. It fetches the whole order history on start.' },
  { min: 50, user: 'U0ALICE', text: 'Storage modification still optimizing; latency improving.' },
  { min: 88, user: 'U0BOB', text: 'p99 back to normal, resolved. Resuming the push queue.' },
  { min: 93, user: 'U0ALICE', text: 'Follow-ups: cache the orders table, put client releases into monitoring, move checkout-db back off provisioned IOPS.', pinned: true },
];

function seedIncident(sandbox: Sandbox): void {
  const start = sandbox.clock.now() - 2 * 3_600_000;
  const ts = (i: number) => `${Math.floor(start / 1000) + INCIDENT[i]!.min * 60}.${String(i).padStart(6, '0')}`;
  INCIDENT.forEach((m, i) => {
    sandbox.slack.seedMessage(INCIDENT_CHANNEL, {
      user: m.user,
      text: m.text,
      ts: ts(i),
      ...(m.pinned ? { pinned: true } : {}),
      ...(m.replyTo !== undefined ? { threadTs: ts(m.replyTo) } : {}),
    });
  });
}

interface CliOptions {
  cloudOnly: boolean;
  scenario: string;
  speed: number;
  redis: boolean;
  socketMode: boolean;
}

function parseOptions(args: string[]): CliOptions {
  const options: CliOptions = { cloudOnly: false, scenario: 'default', speed: 60, redis: true, socketMode: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--cloud-only') options.cloudOnly = true;
    else if (arg === '--no-redis') options.redis = false;
    else if (arg === '--socket-mode') options.socketMode = true;
    else if (arg === '--scenario') options.scenario = args[++i] ?? options.scenario;
    else if (arg === '--speed') options.speed = Number(args[++i]);
    else throw new Error(`unknown option ${arg}; options: --cloud-only --scenario <name|dir> --speed <virtual s per s> --no-redis --socket-mode`);
  }
  if (!(options.speed > 0)) throw new Error('--speed must be a positive number (virtual seconds per real second)');
  return options;
}

async function main(args: string[], lifetime: Lifetime): Promise<void> {
  const options = parseOptions(args);
  // Socket Mode: Slack's side holds the WebSocket the bot opens; no public HTTP endpoint, no signing secret.
  const socketMode = options.socketMode ? await lifetime.track(startSocketModeServer()) : undefined;
  const sandbox = await lifetime.track(startSandbox({
    scenario: options.scenario,
    speed: options.speed,
    redis: options.redis,
    slack: {
      users: Object.fromEntries(Object.entries(PEOPLE).map(([name, { id }]) => [id, { name }])),
      usergroups: USERGROUPS,
      channels: CHANNELS,
      socketMode,
    },
  }));
  if (socketMode) {
    delete sandbox.env.SLACK_SIGNING_SECRET;
    sandbox.env.SLACK_APP_TOKEN = sandbox.slack.tokens.app;
  }
  seedIncident(sandbox);
  // deckhand's own Redis: private to this sandbox session unless REDIS_URL names one.
  const redis = process.env.REDIS_URL ? undefined : await lifetime.track(startPrivateRedis());
  sandbox.env.REDIS_URL = redis?.url ?? process.env.REDIS_URL!;
  process.env.REDIS_URL = sandbox.env.REDIS_URL;
  const envFile = resolve('.sandbox/env');
  sandbox.writeEnvFile(envFile);
  const policyFile = resolve('.sandbox/policy.yaml');
  if (!existsSync(policyFile)) {
    mkdirSync(resolve('.sandbox'), { recursive: true });
    writeFileSync(policyFile, SANDBOX_POLICY);
  }
  console.log(`sandbox up (scenario ${options.scenario}; real time while people act, up to ${options.speed}× through machine waits); environment in ${envFile}`);
  for (const [key, value] of Object.entries(sandbox.env)) console.log(`  ${key}=${value}`);

  const shutdown = () => lifetime.shutdown();

  if (options.cloudOnly) {
    console.log(`\n--cloud-only: in another shell, run deckhand against it (following the sandbox clock) with:\n  set -a; . ${envFile}; set +a; DECKHAND_CONFIG=${policyFile} npm run sandbox:deckhand -- all`);
    console.log(`What the bot posts to #ops (${CHANNEL}) is printed here.`);
    watchChannel(sandbox, () => undefined, () => undefined);
    return;
  }

  // The AWS SDK reads its endpoints and credentials from process.env: point this process at the sandbox.
  Object.assign(process.env, sandbox.env, {
    DECKHAND_CONFIG: process.env.DECKHAND_CONFIG ?? policyFile,
    // JSON logs would drown the terminal conversation; LOG_LEVEL=info brings them back.
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    PORT: process.env.PORT ?? '3000',
  });
  const env = process.env;
  const deckhand = await lifetime.track(startDeckhand('all', { env, clock: sandbox.clock }));
  const botUrl = `http://127.0.0.1:${deckhand.port}`;
  console.log(socketMode ? `\nbot connected over Socket Mode (health on ${botUrl}/healthz), worker running.` : `\nbot on ${botUrl}/slack/events, worker running.`);
  const toBot = socketMode ? overSocketMode(socketMode) : overHttp(botUrl, env.SLACK_SIGNING_SECRET ?? '');
  // What each person may do, from the policy in force, for the console's user switcher and the terminal's banner.
  const rights = await rightsOf(loadSandboxConfig(env));
  const users = (Object.keys(PEOPLE) as PersonName[]).map((name) => ({ name, id: PEOPLE[name].id, note: describePerson(name, rights) }));
  const web = await lifetime.track(startConsole({ sandbox, toBot, users, channels: CHANNELS, port: Number(env.SANDBOX_CONSOLE_PORT ?? 0) }));
  console.log(`web console (a Slack client for this sandbox): ${web.url}`);
  if (!process.stdin.isTTY) {
    console.log('stdin is not a terminal: running until SIGTERM. Send signed requests with sandbox/src/slack/signed-client.ts.');
    return;
  }
  runTerminal(sandbox, toBot, users.map((u) => `  ${u.name.padEnd(6)} ${u.note}`), shutdown);
}

/** A terminal in place of the Slack client: prints what the bot posts, sends what you type. */
function runTerminal(sandbox: Sandbox, toBot: ToBot, people: string[], shutdown: () => Promise<void>): void {
  let user: PersonName = 'alice';
  let buttons: (TerminalButton & { messageTs: string })[] = [];
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const prompt = () => rl.setPrompt(`${user}@#ops> `);

  console.log(`
You are alice in #ops. Try (a plan is approved with: as bob, click 1 — and as dave, click 1 where it needs two):
${SUGGESTED_COMMANDS.map((c) => `  /deckhand ${c}`).join('\n')}
Other commands: as ${Object.keys(PEOPLE).join('|')}, click N, time, quit.
People (what the policy in force lets each do):
${people.join('\n')}
`);

  watchChannel(sandbox, () => PEOPLE[user].id, (found) => {
    buttons = found;
    rl.prompt(true);
  });

  prompt();
  rl.prompt();
  rl.on('line', (line) => {
    void handleLine(line.trim()).finally(() => rl.prompt());
  });
  rl.on('close', () => void shutdown());
  // Ctrl-C at the prompt reaches readline (raw mode), not the process: stop as the signal would.
  rl.on('SIGINT', () => void shutdown());

  async function handleLine(line: string): Promise<void> {
    if (!line) return;
    if (line === 'quit' || line === 'exit') return shutdown();
    if (line === 'time') return void console.log(new Date(sandbox.clock.now()).toISOString());
    const as = /^as (\w+)$/.exec(line);
    if (as) {
      if (!(as[1]! in PEOPLE)) return void console.log(`unknown user; one of ${Object.keys(PEOPLE).join(', ')}`);
      user = as[1] as PersonName;
      return prompt();
    }
    const clickMatch = /^click (\d+)$/.exec(line);
    if (clickMatch) {
      const button = buttons[Number(clickMatch[1]) - 1];
      if (!button) return void console.log('no such button');
      const response = await toBot.click(
        { actionId: button.actionId, value: button.value, user: PEOPLE[user].id, channel: CHANNEL, messageTs: button.messageTs },
        sandbox.slack.responseUrl(CHANNEL, PEOPLE[user].id),
      );
      if (response.status !== 200) console.log(`bot answered ${response.status}`);
      return;
    }
    const command = /^\/deckhand\b\s*(.*)$/.exec(line);
    if (command) {
      const response = await toBot.command({ text: command[1] ?? '', user: PEOPLE[user].id, channel: CHANNEL }, sandbox.slack.responseUrl(CHANNEL, PEOPLE[user].id));
      if (response.status !== 200) console.log(`bot answered ${response.status}`);
      return;
    }
    console.log('type /deckhand <subcommand>, click N, as <user>, time or quit');
  }
}

/**
 * Print every new message, or the changed lines of an updated one, that the bot posts to #ops, as the
 * `viewer` would see it (ephemeral messages of other users are hidden). Reports the latest buttons.
 */
function watchChannel(
  sandbox: Sandbox,
  viewer: () => string | undefined,
  onPrinted: (buttons: (TerminalButton & { messageTs: string })[]) => void,
): void {
  const printed = new Map<string, { versions: number; lines: string[] }>();
  let buttons: (TerminalButton & { messageTs: string })[] = [];
  // `click N` means the buttons of the newest message that has any; a status card updating in place must
  // not take them over from a question posted after it.
  let buttonsOwner: string | undefined;
  const watcher = setInterval(() => {
    for (const message of sandbox.slack.messages(CHANNEL)) {
      const user = viewer();
      if (message.ephemeralTo && user && message.ephemeralTo !== user) continue;
      const seen = printed.get(message.ts);
      if (seen && message.history.length <= seen.versions) continue;
      const latest = message.history[message.history.length - 1]!;
      const { lines, buttons: found } = renderBlocks(latest.blocks, latest.text);
      printed.set(message.ts, { versions: message.history.length, lines });
      const where = message.threadTs && message.threadTs !== message.ts ? '  ↳ ' : '';
      const tag = seen ? '(updated) ' : message.ephemeralTo ? `(only ${message.ephemeralTo}) ` : '';
      process.stdout.write('\n');
      for (const line of seen ? changedLines(seen.lines, lines) : lines) if (line.trim()) console.log(`${where}${tag}${line}`);
      for (const file of message.files ?? []) console.log(`${where}[file] ${file.title} (${file.content.split('\n').length} lines)`);
      if (!seen && found.length > 0) buttonsOwner = message.ts;
      if (message.ts === buttonsOwner) {
        buttons = found.map((b) => ({ ...b, messageTs: message.ts }));
        if (buttons.length > 0) console.log(`${where}${buttons.map((b, i) => `[${i + 1}] ${b.label}`).join('  ')}`);
      }
      onPrinted(buttons);
    }
  }, 200);
  watcher.unref();
}

const lifetime = stopOnExit();
main(process.argv.slice(2), lifetime).catch((err: unknown) => {
  console.error('sandbox failed to start:', err instanceof Error ? err.message : err);
  // What did start (the simulated services, redis-server processes, a temporary directory) goes with it.
  void lifetime.shutdown(1);
});
