/**
 * Sizes as users type them (`20Gi`, `512Mi`, `1Ti`, `+50%`) and as Kubernetes stores them
 * (`10Gi`, `10G`, `10737418240`). Pure; bytes are plain numbers (exact up to 8 PiB).
 */

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;
export const TiB = 1024 * GiB;

export type SizeRequest = { kind: 'absolute'; bytes: number } | { kind: 'percent'; percent: number };

const USER_UNITS: Record<string, number> = { Ki: KiB, Mi: MiB, Gi: GiB, Ti: TiB };

/** What a user may type; anything else is undefined so the caller can raise a usage error. */
export function parseSizeRequest(text: string): SizeRequest | undefined {
  const percent = /^\+(\d+(?:\.\d+)?)%$/.exec(text);
  if (percent) {
    const value = Number(percent[1]);
    return value > 0 ? { kind: 'percent', percent: value } : undefined;
  }
  const absolute = /^(\d+)(Ki|Mi|Gi|Ti)$/.exec(text);
  if (!absolute) return undefined;
  const bytes = Number(absolute[1]) * USER_UNITS[absolute[2]!]!;
  return bytes > 0 ? { kind: 'absolute', bytes } : undefined;
}

const QUANTITY_UNITS: Record<string, number> = {
  '': 1,
  Ki: KiB,
  Mi: MiB,
  Gi: GiB,
  Ti: TiB,
  Pi: 1024 * TiB,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
};

/** A Kubernetes resource quantity as found in a PVC or PV (`10Gi`, `10G`, `1.5Ti`, `10737418240`), in bytes. */
export function parseQuantity(quantity: string | undefined): number | undefined {
  if (quantity === undefined) return undefined;
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$/.exec(quantity.trim());
  if (!match) return undefined;
  return Math.ceil(Number(match[1]) * QUANTITY_UNITS[match[2] ?? '']!);
}

/** The requested size for a volume currently holding `currentBytes`; `+N%` is rounded up to whole GiB. */
export function resolveTargetBytes(request: SizeRequest, currentBytes: number): number {
  if (request.kind === 'absolute') return request.bytes;
  return Math.ceil((currentBytes * (1 + request.percent / 100)) / GiB) * GiB;
}

/** EBS sizes are whole GiB; the CSI driver rounds a request up. */
export function toGiBCeil(bytes: number): number {
  return Math.ceil(bytes / GiB);
}

/** The exact quantity to write into a PVC: the largest binary unit that divides the size. */
export function toQuantity(bytes: number): string {
  for (const [unit, size] of [['Ti', TiB], ['Gi', GiB], ['Mi', MiB], ['Ki', KiB]] as const) {
    if (bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return String(bytes);
}

/** Human-readable size for messages: `20 GiB`, `1.5 TiB`, `512 MiB`. */
export function formatSize(bytes: number): string {
  for (const [unit, size] of [['TiB', TiB], ['GiB', GiB], ['MiB', MiB], ['KiB', KiB]] as const) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(2))} ${unit}`;
  }
  return `${bytes} B`;
}
