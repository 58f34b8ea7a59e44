import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ServerResponse } from 'node:http';
import { readWhole } from '@shop/mesh';
import { forwardable } from './headers.ts';

/** Answers up to this size (with a content-length) are read whole and sent in one write. */
export const WHOLE_BODY_LIMIT = 1024 * 1024;

/** An upstream answer as a proxy receives it (undici's body, or the mesh's kept answer). */
export interface UpstreamAnswer {
  headers: Record<string, string | string[] | undefined>;
  body: AsyncIterable<unknown> & Readable;
}

/** What to send back: headers fit for the client (no content-length: the sender sets it), and the body whole or as a stream. */
export interface Relayed {
  headers: Record<string, string | string[]>;
  body: Buffer | Readable;
}

/**
 * Prepares an upstream answer for the client. A small answer of known length
 * is read whole, so headers and body go out in one write (piping costs a
 * write, a syscall, per piece); anything else (a stream of events, a large
 * body) stays a stream, relayed as it comes. Rejects if the body breaks off
 * while being read (the caller decides what that means).
 */
export async function relayed(upstream: UpstreamAnswer): Promise<Relayed> {
  const headers = forwardable(upstream.headers);
  if (!(Number(upstream.headers['content-length']) <= WHOLE_BODY_LIMIT)) return { headers, body: upstream.body };
  return { headers, body: await readWhole(upstream.body) };
}

/**
 * Writes a relayed answer on a node:http response. A stream is piped with
 * back-pressure (a slow client slows the read from upstream, nothing piles up
 * here); if either side breaks, both are destroyed and this rejects.
 */
export async function sendRelayed(res: ServerResponse, status: number, answer: Relayed): Promise<void> {
  if (Buffer.isBuffer(answer.body)) {
    answer.headers['content-length'] = String(answer.body.length);
    res.writeHead(status, answer.headers).end(answer.body);
    return;
  }
  res.writeHead(status, answer.headers);
  await pipeline(answer.body, res);
}
