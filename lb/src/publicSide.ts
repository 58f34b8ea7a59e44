import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { criticalityRank } from '@shop/mesh';
import { AdmissionQueue, adaptiveLimit, type Release } from '@shop/platform';
import { criticalityOf } from '@shop/proxy';
import { answerClientError, serverOptions } from './clientErrors.ts';
import { clientAddress, PerAddressCap } from './clientLimits.ts';
import type { ClientLimits } from './clientLimits.ts';
import { forward, type Upstreams } from './forward.ts';
import { refusal, refuse } from './ownAnswers.ts';
import { answerOwn } from './ownEndpoints.ts';
import { receiveBody, type BodyLimits } from './requestBody.ts';

/** What the public side is built from. */
export interface PublicSideOptions {
  upstreams: Upstreams;
  limits: ClientLimits;
  /** How much body a request may bring, and by when. */
  body: BodyLimits;
  /** The ceiling of the adaptive limit on requests in flight to the gateways (see @shop/platform's AdmissionQueue). */
  maxInFlight: number;
}

export interface PublicSide {
  server: Server;
  /** Closes the connections with no answer under way (see close()). */
  dropUnanswered(): void;
}

/**
 * The region's public entry. Per client address: open connections and
 * requests in flight are capped; a body must arrive whole by its deadline.
 * Then admission for everyone (an adaptive limit with a short queue by the
 * route's criticality, the gateway's own table), then a gateway.
 */
export function createPublicSide(options: PublicSideOptions): PublicSide {
  const { limits } = options;
  const connectionsPerClient = new PerAddressCap(limits.maxConnections);
  const requestsPerClient = new PerAddressCap(limits.maxInFlight);
  /** The answer in progress on each public socket, so a client error knows whether it may still write one. */
  const answering = new WeakMap<Duplex, ServerResponse>();
  const openSockets = new Set<Socket>();
  const admission = new AdmissionQueue({ limit: adaptiveLimit(options.maxInFlight) });
  const server = createServer(serverOptions(limits), (req, res) => {
    answering.set(req.socket, res);
    void handle({ options, requestsPerClient, admission }, req, res);
  });
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.on('connection', (socket: Socket) => admitConnection(connectionsPerClient, openSockets, socket));
  server.on('clientError', (error: Error & { code?: string }, socket: Duplex) =>
    answerClientError(error, socket, answering.get(socket)),
  );
  return {
    server,
    // At close, the connections with no answer under way go: node:http closes
    // the idle keep-alive ones but waits for one that never finished a request
    // (silent, or a head still dribbling in) and stops checking its deadlines.
    dropUnanswered: () => {
      for (const socket of openSockets) {
        const res = answering.get(socket);
        if (res === undefined || res.writableFinished) socket.destroy();
      }
    },
  };
}

/**
 * Over its address's cap a connection is closed at once, unanswered: no
 * browser holds that many, and each one held is a socket, a parser and
 * perhaps a buffered body taken from everyone else.
 */
function admitConnection(cap: PerAddressCap, open: Set<Socket>, socket: Socket): void {
  const release = cap.acquire(clientAddress(socket.remoteAddress));
  if (!release) {
    socket.destroy();
    return;
  }
  open.add(socket);
  socket.once('close', () => {
    release();
    open.delete(socket);
  });
}

interface Handling {
  options: PublicSideOptions;
  requestsPerClient: PerAddressCap;
  admission: AdmissionQueue;
}

const BUSY = 'The shop is busy right now; please try again shortly';

/**
 * A request spends its client's budget from its headers to its answer, and
 * everyone's (the admission limit) only once its body is here: an upload still
 * arriving holds no gateway connection, so slow ones crowd out no one else.
 */
async function handle(handling: Handling, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { options } = handling;
  if (answerOwn(options.upstreams, req, res, false)) return;
  const releaseClient = handling.requestsPerClient.acquire(clientAddress(req.socket.remoteAddress));
  if (!releaseClient) {
    res.shouldKeepAlive = false;
    return refuse(res, refusal('RATE_LIMITED', 'Too many requests at once from this address', 1));
  }
  let closed = false;
  let leave = (): void => {};
  let release: Release | undefined;
  // One listener for all (a relayed stream adds several of its own to the same response).
  res.once('close', () => {
    closed = true;
    releaseClient();
    leave();
    release?.();
  });
  const body = await receiveBody(req, res, options.body);
  if (body === false || closed) return;
  const rank = criticalityRank(criticalityOf(req.method ?? 'GET', req.url ?? '/'));
  leave = handling.admission.enter(rank, undefined, (admitted) => {
    if (!admitted) return refuse(res, refusal('OVERLOADED', BUSY, 1));
    release = admitted;
    void forward(options.upstreams, req, res, body);
  });
}
