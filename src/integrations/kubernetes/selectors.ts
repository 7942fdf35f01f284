/**
 * Label selectors (metav1.LabelSelector) as the API server evaluates them, for the one question deckhand asks
 * of them: which PodDisruptionBudgets cover a pod. policy/v1: an empty selector selects every pod of the
 * PDB's namespace; an absent one selects none (docs/platform-facts.md#kubernetes).
 */
export interface SelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: SelectorRequirement[];
}

function meets(req: SelectorRequirement, labels: Record<string, string>): boolean {
  const value = labels[req.key];
  switch (req.operator) {
    case 'In':
      return value !== undefined && (req.values ?? []).includes(value);
    case 'NotIn':
      return value === undefined || !(req.values ?? []).includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    default:
      // The API server rejects other operators; select nothing rather than guess.
      return false;
  }
}

export function selectorMatches(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  return Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v) && (selector.matchExpressions ?? []).every((req) => meets(req, labels));
}

/** The PDBs covering a pod: same namespace, selector matches its labels. */
export function pdbsCovering<P extends { namespace: string; selector?: LabelSelector }>(pod: { namespace: string; labels: Record<string, string> }, pdbs: P[]): P[] {
  return pdbs.filter((p) => p.namespace === pod.namespace && selectorMatches(p.selector, pod.labels));
}
