import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What observeReplicas reads at scrape time (ReadRouter provides it). */
export interface ReplicaSource {
  status(): Array<{
    url: string;
    state: 'ok' | 'lagging' | 'down';
    lagBytes: number | undefined;
    lagSeconds: number | undefined;
  }>;
  stats(): { replica: number; primary: number; fallbacks: number };
}

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
  max: number;
}

/** One registry per process, passed in, never a module singleton. */
export class ServiceMetrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;

  constructor(labels: { service: string; instance: string; region: string }) {
    this.registry = new Registry();
    this.registry.setDefaultLabels(labels);
    // The event-loop delay histogram samples on a timer of this period. At
    // prom-client's 10 ms every idle process woke 100 times a second, and on a
    // virtual machine each wake-up from idle costs about 70 µs: 7 ms of CPU a
    // second per process, half of an idle platform. At 50 ms a stall of 50 ms
    // or more always shows (its size may read up to 50 ms short); shorter ones are sampled.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 50 });
    this.httpRequests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests served, by route template and status',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
    });
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency, by route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
  }

  /** Exposes a connection pool's occupancy as gauges, read at scrape time. */
  observePool(pool: string, stats: () => PoolStats): void {
    const gauge = (name: string, help: string, pick: (s: PoolStats) => number): void => {
      new Gauge({
        name,
        help,
        labelNames: ['pool'],
        registers: [this.registry],
        collect() {
          this.set({ pool }, pick(stats()));
        },
      });
    };
    gauge('db_pool_connections_total', 'Connections open in the pool', (s) => s.total);
    gauge('db_pool_connections_idle', 'Idle connections in the pool', (s) => s.idle);
    gauge('db_pool_waiting_requests', 'Queries waiting for a connection', (s) => s.waiting);
    gauge('db_pool_connections_max', 'Configured pool size', (s) => s.max);
  }

  /**
   * Per replica: lag in bytes and seconds and whether it serves reads (1) or
   * is skipped as down or lagging (0); and reads served by target, counting
   * those that fell back from a replica to the primary.
   */
  observeReplicas(source: ReplicaSource): void {
    const perReplica = (
      name: string,
      help: string,
      pick: (r: ReturnType<ReplicaSource['status']>[number]) => number | undefined,
    ): void => {
      new Gauge({
        name,
        help,
        labelNames: ['replica'],
        registers: [this.registry],
        collect() {
          this.reset();
          for (const replica of source.status()) {
            const value = pick(replica);
            if (value !== undefined) this.set({ replica: replica.url }, value);
          }
        },
      });
    };
    perReplica(
      'db_replica_lag_bytes',
      'WAL the primary has written that the replica has not replayed',
      (r) => r.lagBytes,
    );
    perReplica(
      'db_replica_lag_seconds',
      'How long ago the primary first had WAL the replica has not replayed',
      (r) => r.lagSeconds,
    );
    perReplica('db_replica_healthy', 'Whether the replica serves reads (0: down or lagging past the bound)', (r) =>
      r.state === 'ok' ? 1 : 0,
    );

    const seen = { replica: 0, primary: 0, fallbacks: 0 };
    new Counter({
      name: 'db_reads_total',
      help: 'Reads routed through the read router, by where they ran',
      labelNames: ['target'],
      registers: [this.registry],
      collect() {
        const now = source.stats();
        for (const target of ['replica', 'primary'] as const) {
          this.inc({ target }, now[target] - seen[target]);
          seen[target] = now[target];
        }
      },
    });
    new Counter({
      name: 'db_read_fallbacks_total',
      help: 'Replica reads that failed (unreachable, pool exhausted, recovery conflict) and ran on the primary',
      registers: [this.registry],
      collect() {
        const now = source.stats().fallbacks;
        this.inc(now - seen.fallbacks);
        seen.fallbacks = now;
      },
    });
  }
}
