/** Times in Kubernetes status, as epoch ms: the client hands them over as Date (or a string, from a raw body). */
export function epochMs(time: Date | string | undefined): number | undefined {
  if (time === undefined) return undefined;
  const ms = new Date(time).getTime();
  return Number.isNaN(ms) ? undefined : ms;
}

/** When the Ready condition last turned True, while it is True. */
export function readySince(conditions: { type: string; status: string; lastTransitionTime?: Date | string }[] | undefined): number | undefined {
  const ready = conditions?.find((c) => c.type === 'Ready');
  return ready?.status === 'True' ? epochMs(ready.lastTransitionTime) : undefined;
}
