/** Small text helpers shared by the reports. */

const ECHO_LIMIT = 40;

/** Quote a user token in an error message without echoing an arbitrarily long value back. */
export function echo(token: string): string {
  const chars = [...token];
  return chars.length > ECHO_LIMIT ? `${chars.slice(0, ECHO_LIMIT).join('')}…` : token;
}
