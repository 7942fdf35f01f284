/**
 * The whole simulated world in one call: AWS (Auto Scaling, EC2, Route 53, Price List), an EKS cluster,
 * a Slack Web API stand-in, a virtual clock, fault knobs and a mutation log.
 * Tests call `startSandbox()` in-process; `npm run sandbox` runs it as a process (see cli.ts).
 *
 * Every AWS and Kubernetes request is authorized: deckhand's bot and worker each have their own AWS
 * credentials and kubeconfig, held to the shipped `deploy/aws/<role>-policy.json` and
 * `deploy/kubernetes/base/rbac.yaml` (access.ts); the administrator's are for people and kubectl.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { createClients, type Clients, type ClientOptions } from '../../src/integrations/clients.js';
import { AccessLog, IDENTITIES, type SandboxRole } from './access.js';
import { VirtualClock } from './clock.js';
import { emptyFaults, MutationLog, type Faults } from './contracts.js';
import { startCloud, loadAwsScenario, parseAwsScenario, type StartedCloud } from './cloud/index.js';
import { startCluster, loadClusterScenario, parseClusterScenario } from './cluster/index.js';
import { startSlackStandIn } from './slack/web-api.js';
import { startControlServer } from './control.js';

export const SCENARIOS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), 'scenarios');

/** The contents of a scenario's `aws.yaml` and `kubernetes.yaml`, before validation. */
export interface ScenarioData {
  aws: Record<string, unknown>;
  kubernetes: Record<string, unknown>;
}

export interface SandboxOptions {
  /** A scenario directory, the name of a bundled one ('default', 'minimal'), or its contents (tests vary them). */
  scenario?: string | ScenarioData;
  /** Virtual seconds per real second, from the end of start-up; 0 = manual (tests call `clock.advance`). */
  speed?: number;
  /** Real milliseconds between the clock's ticks at speed (default 10). */
  clockTickMs?: number;
  /** Changes the simulated account before the cluster starts (e.g. generated PTR zones). */
  prepareCloud?: (cloud: StartedCloud) => void;
  /** Run real redis-server processes for Redis pods (slower to start). */
  redis?: boolean;
  seed?: number;
  /** Route 53 per-account request rate (real time), like AWS's 5/s; off when absent. */
  route53RequestsPerSecond?: number;
  slack?: Parameters<typeof startSlackStandIn>[0];
  /**
   * JSON-lines file that `stop()` appends the grants deckhand's identities used and the requests refused to
   * them to (access.ts); default `DECKHAND_SANDBOX_ACCESS_LOG`, null = none (tests that provoke denials).
   */
  accessLogFile?: string | null;
}

export type Sandbox = Awaited<ReturnType<typeof startSandbox>>;

export async function startSandbox(options: SandboxOptions = {}) {
  const scenario = loadScenario(options.scenario ?? 'default');
  const clock = new VirtualClock(undefined, 0, options.clockTickMs);
  const faults: Faults = emptyFaults();
  const log = new MutationLog();
  const access = new AccessLog();
  const accessLogFile = options.accessLogFile === undefined ? process.env.DECKHAND_SANDBOX_ACCESS_LOG : options.accessLogFile;
  const dataDir = mkdtempSync(join(tmpdir(), 'deckhand-sandbox-'));

  // What has started so far, stopped by `stop()`, and by a start-up that fails part-way (no leaked servers or
  // redis-server processes).
  const running: { stop(): Promise<void> }[] = [];
  const started = <T extends { stop(): Promise<void> }>(part: T): T => (running.push(part), part);
  async function stop(): Promise<void> {
    clock.stop();
    await Promise.allSettled(running.map((part) => part.stop()));
    rmSync(dataDir, { recursive: true, force: true });
    if (accessLogFile) access.appendTo(accessLogFile);
  }

  async function compose() {
    const cloud = started(await startCloud({ clock, faults, log, access, scenario: scenario.aws, seed: options.seed, route53RequestsPerSecond: options.route53RequestsPerSecond }));
    options.prepareCloud?.(cloud);
    const cluster = started(await startCluster({ clock, faults, log, access, cloud: cloud.cloud, scenario: scenario.kubernetes, dataDir, redis: options.redis ?? false }));
    // The scenario's instances were running before the sandbox started: their Nodes are Ready at once.
    await cluster.registerInitial(() => cloud.emitInitial());
    const slack = started(await startSlackStandIn({ ...options.slack, clockToHold: clock }));
    const control = started(await startControlServer({ clock, faults, log }));
    return { cloud, cluster, slack, control };
  }
  const { cloud, cluster, slack, control } = await compose().catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  clock.setSpeed(options.speed ?? 0);

  const awsFiles = writeAwsProfiles(dataDir);
  const env: Record<string, string> = {
    AWS_REGION: cloud.region,
    // AWS CLI v1 reads only this one.
    AWS_DEFAULT_REGION: cloud.region,
    ...awsFiles,
    // The aws CLI (a person) is the administrator; deckhand's roles name their own profiles and kubeconfigs.
    AWS_PROFILE: IDENTITIES.admin.awsName,
    DECKHAND_BOT_AWS_PROFILE: IDENTITIES.bot.awsName,
    DECKHAND_WORKER_AWS_PROFILE: IDENTITIES.worker.awsName,
    AWS_ENDPOINT_URL_AUTO_SCALING: cloud.endpoints.autoScaling,
    AWS_ENDPOINT_URL_EC2: cloud.endpoints.ec2,
    AWS_ENDPOINT_URL_ROUTE_53: cloud.endpoints.route53,
    AWS_ENDPOINT_URL_PRICING: cloud.endpoints.pricing,
    KUBECONFIG: cluster.kubeconfigs.admin,
    DECKHAND_BOT_KUBECONFIG: cluster.kubeconfigs.bot,
    DECKHAND_WORKER_KUBECONFIG: cluster.kubeconfigs.worker,
    SLACK_API_URL: slack.url,
    SLACK_BOT_TOKEN: slack.tokens.bot,
    SLACK_SIGNING_SECRET: 'sandbox-signing-secret',
    DECKHAND_SANDBOX_CONTROL_URL: control.url,
  };

  /** Real SDK clients pointed at this sandbox with one identity's credentials, built as the product builds them. */
  function clients(role: SandboxRole, overrides: Pick<ClientOptions, 'maxAttempts' | 'timeouts' | 'metrics' | 'clock'> = {}): Clients {
    const { accessKeyId, secretAccessKey } = IDENTITIES[role];
    return createClients({
      region: cloud.region,
      credentials: { accessKeyId, secretAccessKey },
      endpoints: cloud.endpoints,
      kubeconfigPath: cluster.kubeconfigs[role],
      clock,
      ...overrides,
    });
  }

  /** Shell assignments for `set -a; . .sandbox/env` (aws CLI, kubectl and the bot itself). */
  function writeEnvFile(path: string): void {
    mkdirSync(dirname(path), { recursive: true });
    const lines = Object.entries(env).map(([key, value]) => `${key}='${value}'`);
    writeFileSync(path, `# written by deckhand sandbox; load with: set -a; . ${path}; set +a\n${lines.join('\n')}\n`);
  }

  return { clock, faults, log, access, cloud, cluster, slack, control, env, clients, writeEnvFile, stop };
}

/** A shared credentials file with a profile per identity (and an empty config file, so ~/.aws cannot interfere). */
function writeAwsProfiles(dataDir: string): { AWS_SHARED_CREDENTIALS_FILE: string; AWS_CONFIG_FILE: string } {
  const files = { AWS_SHARED_CREDENTIALS_FILE: join(dataDir, 'aws-credentials'), AWS_CONFIG_FILE: join(dataDir, 'aws-config') };
  const profiles = Object.values(IDENTITIES).map((i) => `[${i.awsName}]\naws_access_key_id = ${i.accessKeyId}\naws_secret_access_key = ${i.secretAccessKey}\n`);
  writeFileSync(files.AWS_SHARED_CREDENTIALS_FILE, profiles.join('\n'));
  writeFileSync(files.AWS_CONFIG_FILE, '');
  return files;
}

/** A scenario directory (or bundled scenario name) as data, for callers that change it before starting. */
export function readScenario(nameOrDir: string): ScenarioData {
  const read = (file: string) => parse(readFileSync(join(scenarioDir(nameOrDir), file), 'utf8')) as Record<string, unknown>;
  return { aws: read('aws.yaml'), kubernetes: read('kubernetes.yaml') };
}

function loadScenario(scenario: string | ScenarioData) {
  if (typeof scenario === 'object') return { aws: parseAwsScenario(scenario.aws), kubernetes: parseClusterScenario(scenario.kubernetes) };
  const dir = scenarioDir(scenario);
  return { aws: loadAwsScenario(dir), kubernetes: loadClusterScenario(dir) };
}

function scenarioDir(nameOrDir: string): string {
  return nameOrDir.includes('/') ? resolve(nameOrDir) : join(SCENARIOS_DIR, nameOrDir);
}
