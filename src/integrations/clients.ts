/**
 * SDK clients, constructed once in the composition root and passed to every port (docs/ARCHITECTURE.md principle 9).
 * Endpoints follow the SDKs' standard settings, so the same code talks to AWS or to the sandbox:
 * AWS_ENDPOINT_URL_<SERVICE> for AWS, KUBECONFIG (or in-cluster config) for Kubernetes.
 */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { Route53Client } from '@aws-sdk/client-route-53';
import { PricingClient } from '@aws-sdk/client-pricing';
import { KubeConfig } from '@kubernetes/client-node';

export interface Clients {
  autoScaling: AutoScalingClient;
  ec2: EC2Client;
  route53: Route53Client;
  /** The Price List API lives only in us-east-1, eu-central-1 and ap-south-1: pinned to us-east-1. */
  pricing: PricingClient;
  kube: KubeConfig;
}

export interface ClientOptions {
  region?: string;
  /** Bulk jobs raise this; throttling errors are retryable by the SDK's standard retry strategy. */
  maxAttempts?: number;
  kubeconfigPath?: string;
}

export function createClients(options: ClientOptions = {}): Clients {
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const maxAttempts = options.maxAttempts ?? 8;
  const kube = new KubeConfig();
  if (options.kubeconfigPath) kube.loadFromFile(options.kubeconfigPath);
  else kube.loadFromDefault();
  return {
    autoScaling: new AutoScalingClient({ region, maxAttempts }),
    ec2: new EC2Client({ region, maxAttempts }),
    route53: new Route53Client({ region, maxAttempts }),
    pricing: new PricingClient({ region: 'us-east-1', maxAttempts }),
    kube,
  };
}
