/**
 * SDK clients, constructed once in the composition root and passed to every port (docs/ARCHITECTURE.md principle 9).
 * Endpoints follow the SDKs' standard settings, so the same code talks to AWS or to the sandbox:
 * AWS_ENDPOINT_URL_<SERVICE> for AWS, KUBECONFIG (or in-cluster config) for Kubernetes.
 *
 * The bot and the worker have separate identities (docs/permissions.md): the bot's IAM role and ServiceAccount
 * only read, the worker's mutate. Each role's clients carry that role's credentials.
 */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { Route53Client } from '@aws-sdk/client-route-53';
import { PricingClient } from '@aws-sdk/client-pricing';
import { fromIni } from '@aws-sdk/credential-provider-ini';
import { ApiException, KubeConfig, type ApiConstructor, type ApiType, type RequestContext } from '@kubernetes/client-node';
import { CALL_TIMEOUTS, callSignal, type CallTimeouts } from './call-deadlines.js';
import { httpOutcome, type CallOutcome, type Metrics } from './metrics.js';
import { systemClock, type Clock } from './clock.js';
import { AWS_MAX_ATTEMPTS, ClockedRetryStrategy } from './retry-policy.js';

export interface Clients {
  autoScaling: AutoScalingClient;
  ec2: EC2Client;
  route53: Route53Client;
  /** The Price List API lives only in us-east-1, eu-central-1 and ap-south-1: pinned to us-east-1. */
  pricing: PricingClient;
  kube: KubeConfig;
}

export type Role = 'bot' | 'worker';

type AwsService = 'autoScaling' | 'ec2' | 'route53' | 'pricing';

export interface ClientOptions {
  region?: string;
  /** Tests lower it; default AWS_MAX_ATTEMPTS (src/integrations/retry-policy.ts). */
  maxAttempts?: number;
  kubeconfigPath?: string;
  /** A named profile of the shared AWS files; absent = the SDK's default credential chain (IRSA, Pod Identity...). */
  awsProfile?: { name: string; credentialsFile?: string; configFile?: string };
  /** Static credentials (the sandbox's identities); wins over `awsProfile`. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Per-service endpoints (the sandbox); absent = the SDK's own resolution, AWS_ENDPOINT_URL_<SERVICE> included. */
  endpoints?: Partial<Record<AwsService, string>>;
  /** Tests shorten the deadlines; production uses CALL_TIMEOUTS. */
  timeouts?: Partial<CallTimeouts>;
  /** Where every AWS and Kubernetes call is counted; absent = not counted. */
  metrics?: Metrics;
  /** What the SDK's retry backoff sleeps on: the jobs' clock (the sandbox's virtual one); default the system clock. */
  clock?: Clock;
}

export function createClients(options: ClientOptions = {}): Clients {
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const timeouts = { ...CALL_TIMEOUTS, ...options.timeouts };
  const profile = options.awsProfile;
  const credentials =
    options.credentials ?? (profile ? fromIni({ profile: profile.name, filepath: profile.credentialsFile, configFilepath: profile.configFile }) : undefined);
  const aws = (service: AwsService) => ({
    region,
    credentials,
    // The only retries an AWS call gets (src/integrations/retry-policy.ts); one strategy (and retry quota) per client.
    maxAttempts: options.maxAttempts ?? AWS_MAX_ATTEMPTS,
    retryStrategy: new ClockedRetryStrategy(options.maxAttempts ?? AWS_MAX_ATTEMPTS, options.clock ?? systemClock),
    endpoint: options.endpoints?.[service],
    // Without throwOnRequestTimeout the SDK only logs a request that exceeds requestTimeout and keeps waiting.
    requestHandler: { connectionTimeout: timeouts.connectMs, requestTimeout: timeouts.awsAttemptMs, throwOnRequestTimeout: true },
  });
  const kube = new BoundedKubeConfig(timeouts.kubernetesCallMs, options.metrics);
  if (options.kubeconfigPath) kube.loadFromFile(options.kubeconfigPath);
  else kube.loadFromDefault();
  const made = <Client extends AwsClient>(client: Client) => counted(bounded(client, timeouts.awsCallMs), options.metrics);
  return {
    autoScaling: made(new AutoScalingClient(aws('autoScaling'))),
    ec2: made(new EC2Client(aws('ec2'))),
    route53: made(new Route53Client(aws('route53'))),
    pricing: made(new PricingClient({ ...aws('pricing'), region: 'us-east-1' })),
    kube,
  };
}

type AwsClient = AutoScalingClient | EC2Client | Route53Client | PricingClient;

/** Error codes the SDK's retry strategy treats as throttling (docs/platform-facts.md#aws-sdk-v3). */
const AWS_THROTTLING = new Set([
  'BandwidthLimitExceeded', 'EC2ThrottledException', 'LimitExceededException', 'PriorRequestNotComplete', 'ProvisionedThroughputExceededException',
  'RequestLimitExceeded', 'RequestThrottled', 'RequestThrottledException', 'SlowDown', 'ThrottledException', 'Throttling', 'ThrottlingException',
  'TooManyRequestsException', 'TransactionInProgressException',
]);

type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

interface AwsFailure {
  name?: string;
  $fault?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
  $retryable?: { throttling?: boolean };
}

function awsOutcome(error: AwsFailure): CallOutcome {
  if (AWS_THROTTLING.has(error.name ?? '') || error.$metadata?.httpStatusCode === 429 || error.$retryable?.throttling === true) return 'rate_limited';
  const status = error.$metadata?.httpStatusCode;
  if (status === undefined) return 'failed';
  return error.$fault === 'server' ? 'server_error' : httpOutcome(status) === 'ok' ? 'client_error' : httpOutcome(status);
}

/**
 * Counts each call once with its final outcome (after the SDK's retries) and the retries it took, and every
 * throttled attempt: a middleware around the whole call, and one inside the retry loop.
 */
function counted<Client extends AwsClient>(client: Client, metrics: Metrics | undefined): Client {
  if (!metrics) return client;
  const service = client.constructor.name.replace(/Client$/, '');
  // The union's middleware stacks differ only in their input/output types.
  const stack = client.middlewareStack as unknown as AutoScalingClient['middlewareStack'];
  stack.add(
    (next, context) => async (args) => {
      const operation = `${service}.${(context.commandName ?? 'unknown').replace(/Command$/, '')}`;
      try {
        const result = await next(args);
        const attempts = (result.output as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1;
        metrics.call('aws', operation, 'ok');
        if (attempts > 1) metrics.retries.inc({ api: 'aws' }, attempts - 1);
        return result;
      } catch (error) {
        const failure = error as AwsFailure;
        metrics.call('aws', operation, awsOutcome(failure));
        const attempts = failure.$metadata?.attempts ?? 1;
        if (attempts > 1) metrics.retries.inc({ api: 'aws' }, attempts - 1);
        throw error;
      }
    },
    { step: 'initialize', name: 'deckhandCallMetrics', override: true },
  );
  stack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        metrics.attempt('aws', awsOutcome(error as AwsFailure));
        throw error;
      }
    },
    // Below the retry middleware (finalizeRequest, high priority): once per attempt.
    { step: 'finalizeRequest', priority: 'low', name: 'deckhandAttemptMetrics', override: true },
  );
  return client;
}

/**
 * Every `send` gets an `abortSignal`: the call's overall deadline (retries included) and the run's signal, so
 * Cancel and shutdown interrupt a call to an endpoint that hangs (src/integrations/call-deadlines.ts).
 */
function bounded<Client extends { send(command: never, options?: { abortSignal?: AbortSignal }): Promise<unknown> }>(client: Client, deadlineMs: number): Client {
  const send = client.send.bind(client) as (command: unknown, options?: { abortSignal?: AbortSignal }) => Promise<unknown>;
  client.send = ((command: unknown, options?: { abortSignal?: AbortSignal }) =>
    send(command, { ...options, abortSignal: callSignal(deadlineMs, options?.abortSignal) })) as Client['send'];
  return client;
}

/**
 * Every API client made from this config authenticates each request here: the one place to bound it in time.
 * Every API client is made here too: the one place to count its calls, by method (`listNode`).
 */
class BoundedKubeConfig extends KubeConfig {
  constructor(
    private readonly deadlineMs: number,
    private readonly metrics?: Metrics,
    /** Per cluster and user as configured (their TLS material decides the connection); shared with `onContext` copies. */
    private readonly dispatchers = new Map<string, Dispatcher>(),
  ) {
    super();
  }

  /** This config on another of its contexts, bounded, counted and connected the same way. */
  onContext(context: string): BoundedKubeConfig {
    const kube = new BoundedKubeConfig(this.deadlineMs, this.metrics, this.dispatchers);
    kube.loadFromString(this.exportConfig());
    kube.setCurrentContext(context);
    return kube;
  }

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    context.setSignal(callSignal(this.deadlineMs, context.getSignal()));
    // client-node gives every request a new dispatcher: a new connection and TLS handshake per call. One per
    // cluster and user keeps connections alive across calls.
    const made = context.getDispatcher();
    if (!made) return;
    const key = JSON.stringify([this.getCurrentCluster(), this.getCurrentUser()]);
    const kept = this.dispatchers.get(key) ?? made;
    this.dispatchers.set(key, kept);
    context.setDispatcher(kept);
  }

  override makeApiClient<T extends ApiType>(apiClientType: ApiConstructor<T>): T {
    const api = super.makeApiClient(apiClientType);
    const metrics = this.metrics;
    if (!metrics) return api;
    return new Proxy(api, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== 'function' || typeof property !== 'string') return value;
        return async (...args: unknown[]) => {
          try {
            const result: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
            metrics.call('kubernetes', property, 'ok');
            return result;
          } catch (error) {
            const outcome = error instanceof ApiException ? httpOutcome(error.code) : 'failed';
            metrics.call('kubernetes', property, outcome);
            metrics.attempt('kubernetes', outcome);
            throw error;
          }
        };
      },
    });
  }
}

/**
 * The same clients with Kubernetes calls going to another context of their kubeconfig (a second cluster): with the
 * same call deadlines, metrics and kept connections as the default context's.
 */
export function clientsOnKubeContext(clients: Clients, context: string): Clients {
  if (!(clients.kube instanceof BoundedKubeConfig)) throw new Error('Kubernetes clients not made by createClients');
  return { ...clients, kube: clients.kube.onContext(context) };
}

/**
 * One role's clients from an environment. In production the bot and the worker are separate Deployments whose
 * ServiceAccounts carry their own IAM role (IRSA or EKS Pod Identity) and RBAC, so nothing is set and the
 * default chains apply. A process running both roles (`deckhand all`) names each role's identity:
 * DECKHAND_<ROLE>_AWS_PROFILE (a profile of AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE, e.g. one that
 * assumes the role) and DECKHAND_<ROLE>_KUBECONFIG (else KUBECONFIG, else in-cluster).
 */
export function clientsForRole(role: Role, env: NodeJS.ProcessEnv, options: Pick<ClientOptions, 'maxAttempts' | 'metrics' | 'clock'> = {}): Clients {
  const prefix = `DECKHAND_${role.toUpperCase()}`;
  const profile = env[`${prefix}_AWS_PROFILE`];
  return createClients({
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION,
    maxAttempts: options.maxAttempts,
    metrics: options.metrics,
    clock: options.clock,
    kubeconfigPath: env[`${prefix}_KUBECONFIG`] ?? env.KUBECONFIG,
    awsProfile: profile ? { name: profile, credentialsFile: env.AWS_SHARED_CREDENTIALS_FILE, configFile: env.AWS_CONFIG_FILE } : undefined,
  });
}
