import type { IncomingMessage } from 'node:http';
import { MAX_BODY_BYTES, refusal } from '../../../src/bot/request-guard.js';

const NOW = Date.parse('2026-01-05T09:00:00Z');
const ts = String(NOW / 1000);
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const req = (headers: Record<string, string>, url = '/slack/events', method = 'POST') => ({ method, url, headers: { ...FORM, ...headers } }) as unknown as IncomingMessage;

describe('refusal before reading a body', () => {
  test.each([
    ['a signed request of normal size', { 'content-length': '900', 'x-slack-signature': 'v0=ab', 'x-slack-request-timestamp': ts }, undefined],
    ['a body over the cap, signed or not', { 'content-length': String(MAX_BODY_BYTES + 1), 'x-slack-signature': 'v0=ab', 'x-slack-request-timestamp': ts }, 413],
    ['no signature', { 'content-length': '900', 'x-slack-request-timestamp': ts }, 401],
    ['a signature of another scheme', { 'x-slack-signature': 'v1=ab', 'x-slack-request-timestamp': ts }, 401],
    ['no timestamp', { 'x-slack-signature': 'v0=ab' }, 401],
    ['JSON, even signed', { 'content-type': 'application/json', 'x-slack-signature': 'v0=ab', 'x-slack-request-timestamp': ts }, 415],
    ['a timestamp 6 minutes old', { 'x-slack-signature': 'v0=ab', 'x-slack-request-timestamp': String(NOW / 1000 - 360) }, 401],
  ])('%s', (_name, headers, expected) => {
    expect(refusal(req(headers), '/slack/events', NOW)).toBe(expected);
  });

  test('other routes (/healthz) are left to the receiver', () => {
    expect(refusal(req({}, '/healthz', 'GET'), '/slack/events', NOW)).toBeUndefined();
  });
});
