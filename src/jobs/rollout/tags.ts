/**
 * Tag a group must carry (value `true`) for deckhand to roll it: the worker's IAM policy allows Auto Scaling
 * changes only on groups with it (deploy/aws/worker-policy.json), so the planner refuses the others up front.
 */
export const MANAGED_TAG = 'deckhand:managed';
/** Label deckhand's own pods carry (deploy/kubernetes/base): a rollout that would move them says so. */
export const DECKHAND_POD_LABEL = { key: 'app.kubernetes.io/name', value: 'deckhand' } as const;
/** Tags the rollout writes on its Auto Scaling group: a visible lock and the state to restore after a crash. */
export const LOCK_TAG = 'deckhand:rollout-lock';
/** JSON of what the run changed and must restore (desired, max, processes it suspended, autoscaler). */
export const ORIGINAL_TAG = 'deckhand:rollout-original';
/** Node annotation naming the run that tainted/labelled/annotated it, so cleanup undoes only its own changes. */
export const OWNER_ANNOTATION = 'deckhand.dev/rollout-owner';
export const SCALE_DOWN_DISABLED = 'cluster-autoscaler.kubernetes.io/scale-down-disabled';
export const EXCLUDE_FROM_LB = 'node.kubernetes.io/exclude-from-external-load-balancers';
/** ASG processes the run suspends: AZRebalance would terminate instances elsewhere after a decrementing terminate. */
export const PROCESSES_TO_SUSPEND = ['AZRebalance'];
/** Redis Sentinel pods: the procedures ask them for the master, and the drain moves them one at a time. */
export const SENTINEL_APP_LABEL = { key: 'app', value: 'redis-sentinel' } as const;
export const isSentinelPod = (pod: { labels: Record<string, string> }) => pod.labels[SENTINEL_APP_LABEL.key] === SENTINEL_APP_LABEL.value;
