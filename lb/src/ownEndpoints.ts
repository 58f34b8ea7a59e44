import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BackendSet } from '@shop/mesh';
import { refusal, refuse, sendJson } from './ownAnswers.ts';

/** What the balancer's own endpoints read. */
export interface OwnEndpoints {
  set: BackendSet;
  now: () => number;
}

/**
 * The balancer's own endpoints: the probes' (/health, /ready) on both sides,
 * its status (/lb/status, which names every gateway and its state) on the
 * operators' side only: 404 on the public one. False when the path is none of them.
 */
export function answerOwn(own: OwnEndpoints, req: IncomingMessage, res: ServerResponse, isOps: boolean): boolean {
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/health') sendJson(res, 200, { status: 'ok', service: 'lb' });
  else if (path === '/ready') answerReady(own, res);
  else if (path !== '/lb/status') return false;
  else if (isOps) sendJson(res, 200, { backends: status(own) });
  else refuse(res, refusal('NOT_FOUND', 'Not found'));
  return true;
}

function answerReady(own: OwnEndpoints, res: ServerResponse): void {
  if (own.set.available(own.now()).length > 0) sendJson(res, 200, { status: 'ready' });
  else refuse(res, refusal('NOT_READY', 'No gateway instance is in rotation', 1));
}

function status(own: OwnEndpoints): unknown[] {
  return own.set.backends.map(({ url, healthy, ejectedUntil, outstanding, ejections }) => ({
    url,
    healthy,
    ejected: ejectedUntil > own.now(),
    outstanding,
    ejections,
  }));
}
