/**
 * deckhand's Prometheus metrics (README "Metrics" lists every one): one registry per process, built in the
 * composition root and passed through deps, so tests get their own. External calls are counted where each
 * client is made (src/integrations/clients.ts, the outbox, Bolt's client options), never at the call sites.
 *
 * Labels are bounded sets (kind, subcommand, API operation, outcome): never plan, job, user or channel ids.
 * Call outcomes share one vocabulary: `ok`, `rate_limited` (429 / throttling), `client_error` (4xx, Slack's
 * `ok: false`), `server_error` (5xx), `failed` (no answer: network error, timeout, abort).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Clock } from './clock.js';

export type CallOutcome = 'ok' | 'rate_limited' | 'client_error' | 'server_error' | 'failed';
export type Api = 'slack' | 'aws' | 'kubernetes';

/** Runs take minutes to hours; steps seconds to tens of minutes. */
const JOB_BUCKETS = [10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400];
const STEP_BUCKETS = [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800];

/** What the queue gauges read at scrape time (BullMQ's `Queue#getJobCounts`). */
export interface CountableQueue {
  getJobCounts(...states: string[]): Promise<Record<string, number>>;
}
const QUEUE_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed'] as const;

interface ActiveRun {
  kind: string;
  startedAt: number;
  estimateSeconds?: number;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly activeRuns = new Set<ActiveRun>();
  private queue: CountableQueue | undefined;

  readonly commands = this.counter('deckhand_commands_total', '/deckhand commands answered, by subcommand and outcome (ok, usage_error, refused, error).', ['subcommand', 'outcome']);
  readonly plans = this.counter('deckhand_plans_total', 'Plan requests, by kind and outcome (planned, dry_run, empty, refused).', ['kind', 'outcome']);
  readonly approvals = this.counter(
    'deckhand_approvals_total',
    'Approve and Reject clicks, by decision (approve, reject) and outcome (approved, recorded, rejected, refused).',
    ['decision', 'outcome'],
  );
  readonly jobs = this.counter('deckhand_jobs_total', 'Runs finished, by kind and outcome (succeeded, failed, cancelled).', ['kind', 'outcome']);
  readonly jobDuration = new Histogram({
    name: 'deckhand_job_duration_seconds',
    help: 'Time from a run start to its end, by kind and outcome.',
    labelNames: ['kind', 'outcome'],
    buckets: JOB_BUCKETS,
    registers: [this.registry],
  });
  readonly stepDuration = new Histogram({
    name: 'deckhand_step_duration_seconds',
    help: 'Time a completed step took, by kind.',
    labelNames: ['kind'],
    buckets: STEP_BUCKETS,
    registers: [this.registry],
  });
  readonly calls = this.counter('deckhand_api_calls_total', 'Slack, AWS and Kubernetes API calls, by api, operation and outcome.', ['api', 'operation', 'outcome']);
  readonly retries = this.counter('deckhand_api_retries_total', 'Calls repeated after a failure (AWS SDK attempts, the Slack outbox), by api.', ['api']);
  readonly rateLimited = this.counter('deckhand_api_rate_limited_total', 'Answers that were 429 or throttling errors, by api (every attempt counts).', ['api']);

  constructor(private readonly clock: Clock) {
    collectDefaultMetrics({ register: this.registry });
    const running: Gauge<'kind'> = new Gauge({
      name: 'deckhand_jobs_running',
      help: 'Runs executing in this process now, by kind.',
      labelNames: ['kind'],
      registers: [this.registry],
      collect: () => {
        running.reset();
        for (const run of this.activeRuns) running.inc({ kind: run.kind });
      },
    });
    const overEstimate: Gauge<'kind'> = new Gauge({
      name: 'deckhand_jobs_over_estimate',
      help: "Runs executing in this process for longer than their plan's estimate, by kind.",
      labelNames: ['kind'],
      registers: [this.registry],
      collect: () => {
        overEstimate.reset();
        const now = this.clock.now();
        for (const run of this.activeRuns) {
          if (run.estimateSeconds !== undefined && now - run.startedAt > run.estimateSeconds * 1000) overEstimate.inc({ kind: run.kind });
        }
      },
    });
    const queueJobs: Gauge<'state'> = new Gauge({
      name: 'deckhand_queue_jobs',
      help: 'Jobs in the run queue by state (waiting, active, delayed, prioritized, failed), read from Redis at scrape time.',
      labelNames: ['state'],
      registers: [this.registry],
      collect: async () => {
        queueJobs.reset();
        // Redis down: no sample rather than a failed scrape (/healthz reports Redis).
        const counts = await this.queue?.getJobCounts(...QUEUE_STATES).catch(() => undefined);
        if (counts) for (const state of QUEUE_STATES) queueJobs.set({ state }, counts[state] ?? 0);
      },
    });
  }

  private counter<L extends string>(name: string, help: string, labelNames: L[]): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  /** The run queue the queue gauges read. */
  watchQueue(queue: CountableQueue): void {
    this.queue = queue;
  }

  /** A run is executing here; call the result when this execution ends, however it ends. */
  runStarted(kind: string, startedAt: number, estimateSeconds: number | undefined): () => void {
    const run: ActiveRun = { kind, startedAt, ...(estimateSeconds !== undefined ? { estimateSeconds } : {}) };
    this.activeRuns.add(run);
    return () => this.activeRuns.delete(run);
  }

  runFinished(kind: string, outcome: string, seconds: number | undefined): void {
    this.jobs.inc({ kind, outcome });
    if (seconds !== undefined) this.jobDuration.observe({ kind, outcome }, seconds);
  }

  /** One call, with its final outcome (for AWS, after the SDK's retries). */
  call(api: Api, operation: string, outcome: CallOutcome): void {
    this.calls.inc({ api, operation, outcome });
  }

  /** One HTTP attempt; Slack's and Kubernetes' calls are single attempts, AWS's are counted inside the SDK's retry loop. */
  attempt(api: Api, outcome: CallOutcome): void {
    if (outcome === 'rate_limited') this.rateLimited.inc({ api });
  }

  private callAndAttempt(api: Api, operation: string, outcome: CallOutcome): void {
    this.call(api, operation, outcome);
    this.attempt(api, outcome);
  }

  /** `fetch` for Slack's WebClient (Bolt's and the outbox's) and file uploads: counts every request by Web API method. */
  slackFetch(): typeof fetch {
    return async (url, init) => {
      const operation = slackMethod(url);
      let response: Response;
      try {
        response = await fetch(url, init);
      } catch (error) {
        this.callAndAttempt('slack', operation, 'failed');
        throw error;
      }
      // Counted once the start of the copy of the body is read, without holding the caller: it reads the original meanwhile.
      void slackOutcome(response).then((outcome) => this.callAndAttempt('slack', operation, outcome));
      return response;
    };
  }

  /** `GET /metrics`, for the HTTP server that answers /healthz. */
  handler() {
    return (_req: IncomingMessage, res: ServerResponse) => {
      this.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
        (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics unavailable: ${(error as Error).message}\n`),
      );
    };
  }
}

export function createMetrics(clock: Clock): Metrics {
  return new Metrics(clock);
}

/** Web API method names (`chat.postMessage`); anything else (the upload URL files.getUploadURLExternal hands out) is `upload`. */
function slackMethod(url: string | URL | Request): string {
  const last = new URL(url instanceof Request ? url.url : String(url)).pathname.split('/').pop() ?? '';
  return /^[a-z]+(\.[A-Za-z]+)+$/.test(last) ? last : 'upload';
}

/**
 * Slack's error bodies are a few hundred bytes (`{"ok":false,"error":…}`): bodies up to this size are parsed whole,
 * bigger ones (history pages, member lists) are judged by their first bytes, so none is read or parsed twice in full.
 */
const SLACK_BODY_PARSE_LIMIT = 16 * 1024;
/** Slack writes `ok` as the first key of every answer. */
const STARTS_NOT_OK = /^\s*\{\s*"ok"\s*:\s*false\b/;

async function slackOutcome(response: Response): Promise<CallOutcome> {
  const byStatus = httpOutcome(response.status);
  if (byStatus !== 'ok') return byStatus;
  // Slack answers most errors with 200 and `ok: false`; the WebClient reads the original body.
  const head = await readHead(response.clone(), SLACK_BODY_PARSE_LIMIT).catch(() => undefined);
  if (!head) return 'ok';
  return (head.whole ? parsedOk(head.text) : !STARTS_NOT_OK.test(head.text)) ? 'ok' : 'client_error';
}

function parsedOk(text: string): boolean {
  try {
    return (JSON.parse(text) as { ok?: unknown } | null)?.ok !== false;
  } catch {
    return true; // not JSON (an upload URL answers plain text): the status said ok
  }
}

/** The body up to `limit` bytes (whole chunks), and whether that was all of it; the rest is left unread. */
async function readHead(response: Response, limit: number): Promise<{ text: string; whole: boolean }> {
  const reader = response.body?.getReader();
  if (!reader) return { text: '', whole: true };
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { text: Buffer.concat(chunks).toString('utf8'), whole: true };
    chunks.push(value);
    size += value.byteLength;
    if (size > limit) {
      // Not awaited: cancelling one branch of a cloned body settles only once the caller's branch is done too.
      reader.cancel().catch(() => undefined);
      return { text: Buffer.concat(chunks).toString('utf8'), whole: false };
    }
  }
}

export function httpOutcome(status: number): CallOutcome {
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'server_error';
  if (status >= 400) return 'client_error';
  return 'ok';
}
