/** Reading AWS Query / EC2 Query form parameters: `Name.1`, `Names.member.1`, `Filter.1.Value.2`. */
export class QueryParams {
  constructor(private readonly params: Map<string, string>) {}

  static fromForm(body: string): QueryParams {
    return new QueryParams(new Map(new URLSearchParams(body)));
  }

  get(key: string): string | undefined {
    return this.params.get(key);
  }

  int(key: string): number | undefined {
    const v = this.params.get(key);
    return v === undefined ? undefined : Number(v);
  }

  bool(key: string): boolean | undefined {
    const v = this.params.get(key);
    return v === undefined ? undefined : v === 'true';
  }

  /** Scalar list `prefix.1`, `prefix.2`, ... */
  list(prefix: string): string[] {
    const out: string[] = [];
    for (let n = 1; this.params.has(`${prefix}.${n}`); n++) out.push(this.params.get(`${prefix}.${n}`)!);
    return out;
  }

  /** Structure list `prefix.1.Field`, `prefix.2.Field`, ... as nested parameter sets. */
  structs(prefix: string): QueryParams[] {
    const out: QueryParams[] = [];
    for (let n = 1; ; n++) {
      const head = `${prefix}.${n}.`;
      const sub = new Map<string, string>();
      for (const [k, v] of this.params) if (k.startsWith(head)) sub.set(k.slice(head.length), v);
      if (sub.size === 0) return out;
      out.push(new QueryParams(sub));
    }
  }
}

/** Opaque pagination token: the offset into a stable ordering. */
export function encodeToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64');
}

export function decodeToken(token: string | undefined): number | undefined {
  if (!token) return 0;
  try {
    const { offset } = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { offset: unknown };
    return typeof offset === 'number' && Number.isInteger(offset) && offset >= 0 ? offset : undefined;
  } catch {
    return undefined;
  }
}
