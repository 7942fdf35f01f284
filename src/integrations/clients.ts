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
import { KubeConfig } from '@kubernetes/client-node';

export interface Clients {
  autoScaling: AutoScalingClient;
  ec2: EC2Client;
  route53: Route53Client;
  /** The Price List API lives only in us-east-1, eu-central-1 and ap-south-1: pinned to us-east-1. */
  pricing: PricingClient;
  kube: KubeConfig;
}

export type Role = 'bot' | 'worker';

export interface ClientOptions {
  region?: string;
  /** Bulk jobs raise this; throttling errors are retryable by the SDK's standard retry strategy. */
  maxAttempts?: number;
  kubeconfigPath?: string;
  /** A named profile of the shared AWS files; absent = the SDK's default credential chain (IRSA, Pod Identity...). */
  awsProfile?: { name: string; credentialsFile?: string; configFile?: string };
}

export function createClients(options: ClientOptions = {}): Clients {
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const maxAttempts = options.maxAttempts ?? 8;
  const profile = options.awsProfile;
  const credentials = profile ? fromIni({ profile: profile.name, filepath: profile.credentialsFile, configFilepath: profile.configFile }) : undefined;
  const kube = new KubeConfig();
  if (options.kubeconfigPath) kube.loadFromFile(options.kubeconfigPath);
  else kube.loadFromDefault();
  return {
    autoScaling: new AutoScalingClient({ region, maxAttempts, credentials }),
    ec2: new EC2Client({ region, maxAttempts, credentials }),
    route53: new Route53Client({ region, maxAttempts, credentials }),
    pricing: new PricingClient({ region: 'us-east-1', maxAttempts, credentials }),
    kube,
  };
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
