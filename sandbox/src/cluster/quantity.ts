/** Kubernetes resource quantities ("250m", "128Mi", "10Gi", "1.5") as plain numbers (cores or bytes). */
const SUFFIXES: Record<string, number> = {
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
};

export function parseQuantity(text: string): number {
  const match = /^([0-9.]+)([a-zA-Z]*)$/.exec(text.trim());
  const factor = match ? (match[2] === '' ? 1 : SUFFIXES[match[2]!]) : undefined;
  if (!match || factor === undefined) throw new Error(`invalid quantity "${text}"`);
  return Number(match[1]) * factor;
}

export function gibToQuantity(gib: number): string {
  return `${gib}Gi`;
}

/** Storage sizes are whole GiB in EBS; round a request up like the CSI driver does. */
export function quantityToGiB(text: string): number {
  return Math.ceil(parseQuantity(text) / 2 ** 30);
}
