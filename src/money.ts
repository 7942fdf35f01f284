/** USD amounts as deckhand shows them. */

/** `$1,234.56`; hourly rates keep four decimals (`$0.0416`); negative `-$24.09`. */
export function usd(amount: number, decimals = 2): string {
  const sign = amount < 0 ? '-' : '';
  return `${sign}$${Math.abs(amount).toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals })}`;
}

/** A change: `+$12.00`, `-$24.09`. */
export function signedUsd(amount: number): string {
  return amount < 0 ? usd(amount) : `+${usd(amount)}`;
}
