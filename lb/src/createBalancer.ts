import { createServer, type Server } from 'node:http';
import { BackendSet, defaultMeshPolicy, RetryBudget, type BackendPolicy } from '@shop/mesh';
import type { Logger } from '@shop/platform';
import { closeServer, serverOptions } from './clientErrors.ts';
import { checkHealth, createPools } from './healthChecks.ts';
import { refusal, refuse } from './ownAnswers.ts';
import { answerOwn } from './ownEndpoints.ts';
import { createPublicSide } from './publicSide.ts';
import { CLIENT_DEFAULTS, type ClientLimits } from './clientLimits.ts';

export interface BalancerOptions {
  backends: string[];
  policy: BackendPolicy;
  healthIntervalMs: number;
  healthTimeoutMs: number;
  /** What active checks ask (default /ready: a draining gateway is alive but not ready, and must leave rotation). */
  healthPath?: string;
  upstreamTimeoutMs: number;
  bodyLimitBytes: number;
  /**
   * Admission control at the edge: past this many requests in flight through
   * the balancer, new ones are shed at once with 503 + Retry-After. Without
   * it, overload queues here (the pools to the gateways hold 256 connections
   * each) where no gateway's own limit can see it, and every admitted
   * request waits seconds. Default: what the connections to the gateways
   * carry (256 each), so admitted requests queue nowhere but at a gateway.
   */
  maxInFlight?: number;
  /**
   * What the public side allows a client, which may be hostile: the balancer
   * is the region's entry, so a socket that holds a request open without
   * finishing it must cost that client, not everyone. See CLIENT_DEFAULTS.
   */
  client?: Partial<ClientLimits>;
  logger: Logger;
  now?: () => number;
}

export interface Balancer {
  /** The public side: the region's traffic, and /health and /ready for probes. */
  server: Server;
  /**
   * The operators' side, for a loopback listener (the caller listens, if at
   * all): /health, /ready and /lb/status, which names every gateway and its
   * state and so is not the public's to read.
   */
  ops: Server;
  backends: BackendSet;
  /** Runs one round of active health checks now (also run on the interval). */
  checkHealth(): Promise<void>;
  close(): Promise<void>;
}

const CONNECTIONS_PER_GATEWAY = 256;

/**
 * The regional load balancer: an L7 proxy kept deliberately thin (node:http
 * and undici, no framework) because every request of the region crosses it.
 * Requests go to the gateway with the fewest outstanding requests of two
 * random picks; a connection that fails before any byte was sent is retried on
 * another gateway and ejects the failed one at once; idempotent requests (or
 * ones with an Idempotency-Key) are also retried when the connection dies
 * mid-flight, so a SIGKILLed gateway costs clients nothing. A gateway that is
 * shutting down refuses what still reaches it on open connections with a 503
 * and `Connection: close` (the platform's drain): it is ejected, and the same
 * safe requests are retried on another, so a SIGTERMed gateway costs nothing
 * either. Active checks ask /ready, which fails from the first moment of a drain.
 *
 * The parts: publicSide.ts (per-client caps, admission), forward.ts (gateway
 * choice, retries, relaying through @shop/proxy), ownEndpoints.ts,
 * healthChecks.ts, clientErrors.ts; every refusal from the platform's catalogue.
 */
export function createBalancer(options: BalancerOptions): Balancer {
  const now = options.now ?? Date.now;
  const set = new BackendSet(options.backends, options.policy);
  const pools = createPools(set, CONNECTIONS_PER_GATEWAY, options.upstreamTimeoutMs);
  const limits = { ...CLIENT_DEFAULTS, ...options.client };
  const budget = new RetryBudget({ ...defaultMeshPolicy.budget, now });
  const upstreams = { set, pools, budget, now, logger: options.logger };
  const publicSide = createPublicSide({
    upstreams,
    limits,
    body: { limitBytes: options.bodyLimitBytes, deadlineMs: limits.bodyTimeoutMs },
    maxInFlight: options.maxInFlight ?? CONNECTIONS_PER_GATEWAY * options.backends.length,
  });
  const ops = createServer(serverOptions(limits), (req, res) => {
    if (!answerOwn(upstreams, req, res, true)) refuse(res, refusal('NOT_FOUND', 'Not found'));
  });
  const checks = {
    set,
    pools,
    path: options.healthPath ?? '/ready',
    timeoutMs: options.healthTimeoutMs,
    logger: options.logger,
  };
  const timer = setInterval(() => void checkHealth(checks), options.healthIntervalMs);
  timer.unref();
  const { server } = publicSide;
  return {
    server,
    ops,
    backends: set,
    checkHealth: () => checkHealth(checks),
    close: async () => {
      clearInterval(timer);
      const closed = Promise.all([server, ops].filter((s) => s.listening).map(closeServer));
      publicSide.dropUnanswered();
      // The ops side answers at once and only to operators: nothing there is worth waiting for.
      ops.closeAllConnections();
      await closed;
      await Promise.all([...pools.values()].map((p) => p.close()));
    },
  };
}
