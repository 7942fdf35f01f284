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
