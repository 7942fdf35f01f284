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
import { KubeConfig, type RequestContext } from '@kubernetes/client-node';
import { CALL_TIMEOUTS, callSignal, type CallTimeouts } from './call-deadlines.js';
import { AWS_MAX_ATTEMPTS } from './retry-policy.js';

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
    // The only retries an AWS call gets (src/integrations/retry-policy.ts).
    retryMode: 'standard',
    maxAttempts: options.maxAttempts ?? AWS_MAX_ATTEMPTS,
    endpoint: options.endpoints?.[service],
    // Without throwOnRequestTimeout the SDK only logs a request that exceeds requestTimeout and keeps waiting.
    requestHandler: { connectionTimeout: timeouts.connectMs, requestTimeout: timeouts.awsAttemptMs, throwOnRequestTimeout: true },
  });
  const kube = new BoundedKubeConfig(timeouts.kubernetesCallMs);
  if (options.kubeconfigPath) kube.loadFromFile(options.kubeconfigPath);
  else kube.loadFromDefault();
  return {
    autoScaling: bounded(new AutoScalingClient(aws('autoScaling')), timeouts.awsCallMs),
    ec2: bounded(new EC2Client(aws('ec2')), timeouts.awsCallMs),
    route53: bounded(new Route53Client(aws('route53')), timeouts.awsCallMs),
    pricing: bounded(new PricingClient({ ...aws('pricing'), region: 'us-east-1' }), timeouts.awsCallMs),
    kube,
  };
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

/** Every API client made from this config authenticates each request here: the one place to bound it in time. */
class BoundedKubeConfig extends KubeConfig {
  constructor(private readonly deadlineMs: number) {
    super();
  }

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    context.setSignal(callSignal(this.deadlineMs, context.getSignal()));
  }
}

/**
 * One role's clients from an environment. In production the bot and the worker are separate Deployments whose
 * ServiceAccounts carry their own IAM role (IRSA or EKS Pod Identity) and RBAC, so nothing is set and the
 * default chains apply. A process running both roles (`deckhand all`) names each role's identity:
 * DECKHAND_<ROLE>_AWS_PROFILE (a profile of AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE, e.g. one that
 * assumes the role) and DECKHAND_<ROLE>_KUBECONFIG (else KUBECONFIG, else in-cluster).
 */
export function clientsForRole(role: Role, env: NodeJS.ProcessEnv, options: { maxAttempts?: number } = {}): Clients {
  const prefix = `DECKHAND_${role.toUpperCase()}`;
  const profile = env[`${prefix}_AWS_PROFILE`];
  return createClients({
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION,
    maxAttempts: options.maxAttempts,
    kubeconfigPath: env[`${prefix}_KUBECONFIG`] ?? env.KUBECONFIG,
    awsProfile: profile ? { name: profile, credentialsFile: env.AWS_SHARED_CREDENTIALS_FILE, configFile: env.AWS_CONFIG_FILE } : undefined,
  });
}
