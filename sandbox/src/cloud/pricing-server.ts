/** AWS Price List Query API over JSON 1.1 (`X-Amz-Target: AWSPriceListService.<Operation>`). */
import { startServiceServer, type ServiceContext, type ServiceReply, type ServiceRequest, type ServiceServer } from './http.js';
import type { PriceProduct } from './pricing-model.js';
import { decodeToken, encodeToken } from './query.js';
import { SIGNATURE_MESSAGES } from './iam/signature.js';

class PricingError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface Filter {
  Type?: string;
  Field?: string;
  Value?: string;
}

const json = (status: number, body: unknown): ServiceReply => ({ status, contentType: 'application/x-amz-json-1.1', body: JSON.stringify(body) });
const errorReply = (status: number, code: string, message: string) => json(status, { __type: code, message });

function attribute(p: PriceProduct, field: string): string | undefined {
  if (field.toLowerCase() === 'servicecode') return 'AmazonEC2';
  if (field.toLowerCase() === 'productfamily') return p.productFamily;
  const key = Object.keys(p.attributes).find((k) => k.toLowerCase() === field.toLowerCase());
  return key === undefined ? undefined : p.attributes[key];
}

/** TERM_MATCH compares case-insensitively, EQUALS exactly; ANY_OF / NONE_OF take comma-separated values. */
function matches(p: PriceProduct, f: Filter): boolean {
  const actual = attribute(p, f.Field ?? '');
  const wanted = f.Value ?? '';
  const list = wanted.split(',').map((v) => v.trim());
  switch (f.Type) {
    case 'TERM_MATCH':
      return actual?.toLowerCase() === wanted.toLowerCase();
    case 'EQUALS':
      return actual === wanted;
    case 'CONTAINS':
      return actual?.includes(wanted) ?? false;
    case 'ANY_OF':
      return actual !== undefined && list.includes(actual);
    case 'NONE_OF':
      return actual === undefined || !list.includes(actual);
    default:
      throw new PricingError('InvalidParameterException', `Invalid filter type: ${f.Type}`);
  }
}

function page<T>(items: T[], body: { NextToken?: string; MaxResults?: number }, maxAllowed: number): { items: T[]; NextToken?: string } {
  const offset = decodeToken(body.NextToken);
  if (offset === undefined) throw new PricingError('InvalidNextTokenException', 'The pagination token is invalid. Try again without a pagination token.');
  const max = body.MaxResults ?? 100;
  if (max < 1 || max > maxAllowed) throw new PricingError('InvalidParameterException', `1 validation error detected: Value '${max}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to ${maxAllowed}`);
  return { items: items.slice(offset, offset + max), NextToken: offset + max < items.length ? encodeToken(offset + max) : undefined };
}

export function startPricingServer(products: PriceProduct[], context: ServiceContext): Promise<ServiceServer> {
  const attributeNames = [...new Set(products.flatMap((p) => Object.keys(p.attributes)))].sort();
  const checkService = (code: string | undefined) => {
    if (code !== 'AmazonEC2') throw new PricingError('NotFoundException', `Service code ${code} is not found in the price list (the sandbox catalogue has AmazonEC2 only).`);
  };

  const operations: Record<string, (body: Record<string, unknown>) => unknown> = {
    GetProducts(body) {
      checkService(body.ServiceCode as string | undefined);
      const filters = (body.Filters as Filter[] | undefined) ?? [];
      if (filters.length > 50) throw new PricingError('InvalidParameterException', 'Too many filters: at most 50 are allowed.');
      const found = products.filter((p) => filters.every((f) => matches(p, f)));
      const { items, NextToken } = page(found, body, 100);
      return { FormatVersion: 'aws_v1', PriceList: items.map((p) => p.document), NextToken };
    },
    DescribeServices(body) {
      if (body.ServiceCode !== undefined) checkService(body.ServiceCode as string);
      const { items, NextToken } = page([{ ServiceCode: 'AmazonEC2', AttributeNames: attributeNames }], body, 100);
      return { Services: items, FormatVersion: 'aws_v1', NextToken };
    },
    GetAttributeValues(body) {
      checkService(body.ServiceCode as string | undefined);
      const name = String(body.AttributeName ?? '');
      const values = [...new Set(products.map((p) => attribute(p, name)).filter((v): v is string => v !== undefined))].sort();
      const { items, NextToken } = page(values, body, 10000);
      return { AttributeValues: items.map((Value) => ({ Value })), NextToken };
    },
  };

  return startServiceServer(
    'pricing',
    {
      handle(req: ServiceRequest) {
        const target = String(req.headers['x-amz-target'] ?? '');
        const operation = operations[target.replace(/^AWSPriceListService\./, '')];
        if (!operation) return errorReply(400, 'UnknownOperationException', `Unknown operation ${target}`);
        // The Price List API has no resource-level permissions.
        req.authorize([{ action: `pricing:${target.replace(/^AWSPriceListService\./, '')}`, resource: '*' }]);
        try {
          return json(200, operation(JSON.parse(req.body || '{}') as Record<string, unknown>));
        } catch (err) {
          if (err instanceof PricingError) return errorReply(400, err.code, err.message);
          throw err;
        }
      },
      throttled: () => errorReply(400, 'ThrottlingException', 'Rate exceeded'),
      internalError: () => errorReply(500, 'InternalErrorException', 'An internal error occurred.'),
      invalidCredentials: () => errorReply(400, 'UnrecognizedClientException', 'The security token included in the request is invalid.'),
      badSignature: (_req, problem) =>
        errorReply(400, problem === 'IncompleteSignature' ? 'IncompleteSignatureException' : 'InvalidSignatureException', SIGNATURE_MESSAGES[problem]),
      // The SDK's model gives the Price List API's AccessDeniedException HTTP 401.
      accessDenied: (_req, error) => errorReply(401, 'AccessDeniedException', error.message),
    },
    context,
  );
}
