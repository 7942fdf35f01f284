/**
 * What the HTTP receiver refuses before it reads a byte of the body: Bolt buffers the whole body (up to its
 * limit) to check the signature, so an anonymous client could make it hold many large bodies at once. A request
 * to the Slack endpoint that is not form-encoded, has no signature, has a timestamp outside Slack's 5-minute window,
 * or declares more than the cap is answered at once and its connection closed (docs/platform-facts.md#slack).
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

/** Slack's commands and clicks are a few kilobytes; a click on a 50-block message stays well under this. */
export const MAX_BODY_BYTES = 256 * 1024;
const TIMESTAMP_WINDOW_SECONDS = 5 * 60;

/** The status to answer with, or undefined when the request may go on to Bolt (which verifies the signature). */
export function refusal(req: IncomingMessage, endpoint: string, nowMs: number): 401 | 413 | 415 | undefined {
  if (req.method !== 'POST' || req.url?.split('?')[0] !== endpoint) return undefined;
  const length = Number(req.headers['content-length']);
  if (Number.isFinite(length) && length > MAX_BODY_BYTES) return 413;
  // Slash commands and clicks are form-encoded; deckhand takes no Events API JSON (a signed `null` crashed Bolt 5).
  if (req.headers['content-type']?.split(';')[0]?.trim().toLowerCase() !== 'application/x-www-form-urlencoded') return 415;
  const signature = req.headers['x-slack-signature'];
  const timestamp = Number(req.headers['x-slack-request-timestamp']);
  if (typeof signature !== 'string' || !signature.startsWith('v0=') || !Number.isInteger(timestamp)) return 401;
  if (Math.abs(nowMs / 1000 - timestamp) > TIMESTAMP_WINDOW_SECONDS) return 401;
  return undefined;
}

/**
 * Wraps the receiver's listener: refused requests get their status with no body read, and the connection closes.
 * The receiver throws for a path it does not serve (its own server would answer 404 the same way).
 */
export function guarded(listener: RequestListener, endpoint: string, onRefused: (status: number) => void): RequestListener {
  const answer = (res: ServerResponse, status: number) => res.writeHead(status, { connection: 'close', 'content-length': 0 }).end();
  return (req, res) => {
    const status = refusal(req, endpoint, Date.now());
    if (status !== undefined) {
      onRefused(status);
      return answer(res, status);
    }
    try {
      listener(req, res);
    } catch {
      if (!res.headersSent) answer(res, 404);
    }
  };
}
