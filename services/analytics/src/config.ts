import { env, type BaseServiceConfig, type ConfigOf } from '@shop/platform';

/** The analytics service's variables beyond the base set (README table). */
export const configSpec = {
  /** The event bus: NATS JetStream when set (one URL or several, comma-separated)... */
  NATS_URL: env.optionalString(),
  /** ...else the PostgreSQL event log's database (shared by all services). One of the two is required. */
  EVENTS_DATABASE_URL: env.optionalUrl({ protocols: ['postgres:', 'postgresql:'] }),
  /** For the JWKS; optional when a verifier is injected (tests). */
  PEER_USER_URLS: env.optionalString(),
  /** How soon an idle consumer looks again without a wake-up, ms. */
  ANALYTICS_POLL_INTERVAL_MS: env.int({ default: 1000, min: 20, max: 60_000 }),
};

export type AnalyticsConfig = BaseServiceConfig & ConfigOf<typeof configSpec>;
