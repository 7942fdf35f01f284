/**
 * Price List answers cached in Redis, one key per product (`<prefix>:price:<kind>/<region>/<name>`), each value
 * carrying the Price List's publication date. AWS republishes prices rarely, so a day-old answer is current
 * enough and a warm estimate makes no Price List call. A product with no price is not cached: the next
 * request asks again rather than remembering a miss.
 */
import type { PricingClient } from '@aws-sdk/client-pricing';
import type { RedisClient } from './connections.js';
import { fetchProductPrice, productId, type PriceProductKey, type ProductPrice } from '../aws/pricing.js';

export const PRICE_CACHE_TTL_SECONDS = 24 * 3600;

export class PriceCache {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly pricing: PricingClient,
    private readonly ttlSeconds = PRICE_CACHE_TTL_SECONDS,
  ) {}

  private key(product: PriceProductKey): string {
    return `${this.prefix}:price:${productId(product)}`;
  }

  /**
   * Prices by `productId`, read in one round trip; the missing ones are fetched one GetProducts call per
   * product, in turn (the Price List API publishes no rate quota, so it is not hammered). Products the
   * Price List does not price are absent from the answer.
   */
  async prices(products: PriceProductKey[]): Promise<Map<string, ProductPrice>> {
    const distinct = [...new Map(products.map((p) => [productId(p), p])).values()];
    const found = new Map<string, ProductPrice>();
    if (distinct.length === 0) return found;
    const cached = await this.redis.mget(distinct.map((p) => this.key(p)));
    for (const [i, product] of distinct.entries()) {
      const text = cached[i];
      if (text) {
        found.set(productId(product), JSON.parse(text) as ProductPrice);
        continue;
      }
      const price = await fetchProductPrice(this.pricing, product);
      if (!price) continue;
      await this.redis.set(this.key(product), JSON.stringify(price), 'EX', this.ttlSeconds);
      found.set(productId(product), price);
    }
    return found;
  }
}
