import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

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
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 });
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
}
