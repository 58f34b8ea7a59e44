// The types every plugin of the service app shares: the app itself, what it adds to a request,
// and the small contracts (readiness, lifecycle) its owner passes in.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Context, Span } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';
import type { Criticality } from '@shop/mesh';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from './logger.ts';
import type { TraceContext } from './traceContext.ts';

export type ServiceApp = FastifyInstance<Server, IncomingMessage, ServerResponse, Logger, TypeBoxTypeProvider>;

/** A readiness dependency: resolves when reachable, rejects (quickly) when not. */
export interface ReadinessCheck {
  name: string;
  check(signal: AbortSignal): Promise<void>;
}

export interface Lifecycle {
  /** Set when SIGTERM arrives: readiness fails so balancers stop sending work. */
  draining: boolean;
}

/** The probe and scrape routes: admitted always, logged at debug, served on the ops port too. */
export const OPS_PATHS: ReadonlySet<string> = new Set(['/health', '/ready', '/metrics']);

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Mesh identities allowed to call this route (enforced under mTLS). */
    callers?: string[];
  }
  interface FastifyRequest {
    trace: TraceContext;
    /** The calling service's mesh identity, from its client certificate (mTLS only). */
    caller: string | undefined;
    /**
     * The end client's address: what the gateway vouches for in
     * x-client-address when the caller is the gateway's mesh identity (only a
     * mesh identity may set it), else the socket's peer. Per-client limits use it.
     */
    clientAddress: string;
    /** How much this request matters under overload: the entry's word, from its route, carried over the mesh. */
    criticality: Criticality;
    /** Epoch ms by which the caller needs an answer (from x-request-timeout-ms), if it said. */
    deadline: number | undefined;
    /** This request's server span and the context handlers run in (so calls they make are its children). */
    span: Span | undefined;
    otelContext: Context | undefined;
  }
}
