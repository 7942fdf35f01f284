/**
 * Every external call deckhand makes is bounded in time (docs/platform-facts.md#timeouts): AWS SDK calls, Kubernetes
 * API calls, Slack Web API calls and Redis procedure commands. The numbers live here, once.
 *
 * A run's abort signal (Cancel, worker shutdown) reaches every SDK and Kubernetes call made while its steps run,
 * without threading it through each port: the runner enters `withRunSignal`, and `callSignal` (used where the
 * clients are built, src/integrations/clients.ts) combines it with the call's own deadline. Cleanup runs outside
 * that scope on purpose: a cancelled run must still restore what it changed.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface CallTimeouts {
  /** TCP connect to AWS, Kubernetes or Redis. */
  connectMs: number;
  /** One HTTP attempt of an AWS SDK call (the SDK retries a timed-out attempt as transient). */
  awsAttemptMs: number;
  /** One AWS SDK call, every retry and backoff included. */
  awsCallMs: number;
  /** One Kubernetes API request. */
  kubernetesCallMs: number;
  /** One Slack Web API request (the outbox retries it). */
  slackCallMs: number;
  /** One Redis command of a Redis procedure. */
  redisCommandMs: number;
}

export const CALL_TIMEOUTS: CallTimeouts = {
  connectMs: 5_000,
  awsAttemptMs: 20_000,
  awsCallMs: 60_000,
  kubernetesCallMs: 30_000,
  slackCallMs: 15_000,
  redisCommandMs: 5_000,
};

const runSignals = new AsyncLocalStorage<AbortSignal>();

/** Runs `fn` so that every external call it makes is aborted when `signal` aborts. */
export function withRunSignal<T>(signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
  return runSignals.run(signal, fn);
}

/** The signal for one call: its deadline, the caller's own signal if any, and the run's signal if inside a run. */
export function callSignal(deadlineMs: number, own?: AbortSignal): AbortSignal {
  const signals = [AbortSignal.timeout(deadlineMs), own, runSignals.getStore()].filter((s): s is AbortSignal => s !== undefined);
  return AbortSignal.any(signals);
}
