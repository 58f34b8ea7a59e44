// Caller identity: who is calling (the mesh identity in its client certificate, under mTLS), whether
// the route accepts that caller, and which end client the request is for (x-client-address).
import { isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { identityOf } from '@shop/mesh';
import { AppError } from '../errors.ts';
import { sendProblem } from './problems.ts';

/** Where the gateway puts the end client's address for the services behind it. */
export const CLIENT_ADDRESS_HEADER = 'x-client-address';
/** Mesh identities whose x-client-address is believed: the edge of the mesh. */
const ADDRESS_VOUCHERS = new Set(['gateway']);

/** One step of the request-context hook: false when it has answered the request itself. */
export type RequestStep = (request: FastifyRequest, reply: FastifyReply) => boolean;

function vouchedAddress(request: FastifyRequest): string | undefined {
  const vouched = request.headers[CLIENT_ADDRESS_HEADER];
  return typeof vouched === 'string' && isIP(vouched) !== 0 ? vouched : undefined;
}

/**
 * Sets `request.caller` and `request.clientAddress`. Under mTLS the identity is read once per
 * connection, only a voucher's x-client-address is believed, and a route's `config.callers` is
 * enforced (403). Without mTLS the mesh trusts its network (no route checks its callers either):
 * whoever sends x-client-address is a mesh peer, and the gateway overwrites the one a client sent.
 * Believing nobody would make the gateway every shopper, and one shopper's limits everyone's.
 */
export function callerIdentity(mtls: boolean): RequestStep {
  if (!mtls)
    return (request) => {
      request.clientAddress = vouchedAddress(request) ?? request.ip;
      return true;
    };
  const identities = new WeakMap<object, string | undefined>();
  return (request, reply) => {
    const socket = request.raw.socket as TLSSocket;
    if (!identities.has(socket)) identities.set(socket, identityOf(socket.getPeerCertificate?.(false)?.raw));
    const caller = identities.get(socket);
    request.caller = caller;
    const vouched = caller !== undefined && ADDRESS_VOUCHERS.has(caller) ? vouchedAddress(request) : undefined;
    request.clientAddress = vouched ?? request.ip;
    const allowed = request.routeOptions.config.callers;
    if (allowed && !(caller && allowed.includes(caller))) {
      const detail = `Caller ${caller ?? '(unknown)'} may not call this route`;
      sendProblem(request, reply, new AppError('FORBIDDEN', { detail }));
      return false;
    }
    return true;
  };
}
