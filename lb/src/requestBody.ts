import type { IncomingMessage, ServerResponse } from 'node:http';
import { refusal, refuse } from './ownAnswers.ts';

/** Why a body was not read: over the limit, not here by the deadline, or its client went away. */
class BodyRefused extends Error {
  readonly reason: 'too-large' | 'too-slow' | 'gone';
  constructor(reason: 'too-large' | 'too-slow' | 'gone') {
    super(`request body refused: ${reason}`);
    this.reason = reason;
  }
}

/** How much body a request may bring, and by when. */
export interface BodyLimits {
  limitBytes: number;
  deadlineMs: number;
}

/**
 * The whole body (buffered: a request may be retried on another gateway), or
 * false once the request was answered (413, 408) or its client left.
 */
export async function receiveBody(
  req: IncomingMessage,
  res: ServerResponse,
  limits: BodyLimits,
): Promise<Buffer | undefined | false> {
  try {
    return await readBody(req, limits);
  } catch (error) {
    const reason = error instanceof BodyRefused ? error.reason : 'gone';
    if (reason === 'gone') return false;
    // The rest of the body is not wanted: the connection goes once the answer is out.
    res.shouldKeepAlive = false;
    if (reason === 'too-large') refuse(res, refusal('BODY_TOO_LARGE', 'The request body is too large'));
    else
      refuse(res, refusal('REQUEST_TIMEOUT', `The request body did not arrive within ${limits.deadlineMs / 1000} s`));
    return false;
  }
}

/** Reads the body whole, up to the limit, by the deadline from now; rejects with a BodyRefused. */
function readBody(req: IncomingMessage, limits: BodyLimits): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const refuseBody = (reason: BodyRefused['reason']): void => {
      clearTimeout(deadline);
      // Stop buffering but keep reading into the void, so the answer can be delivered.
      req.removeListener('data', onData);
      req.resume();
      reject(new BodyRefused(reason));
    };
    const deadline = setTimeout(() => refuseBody('too-slow'), limits.deadlineMs);
    deadline.unref();
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limits.limitBytes) refuseBody('too-large');
      else chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => {
      clearTimeout(deadline);
      resolve(chunks.length === 0 ? undefined : Buffer.concat(chunks));
    });
    req.once('error', () => refuseBody('gone'));
    req.once('close', () => {
      if (!req.complete) refuseBody('gone');
    });
  });
}
