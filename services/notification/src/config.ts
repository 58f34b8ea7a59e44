import { env, type BaseServiceConfig, type ConfigOf } from '@shop/platform';

/** The notification service's variables beyond the base set (README table). */
export const configSpec = {
  /** The event bus: NATS JetStream when set (one URL or several, comma-separated)... */
  NATS_URL: env.optionalString(),
  /** ...else the PostgreSQL event log's database (shared by all services). One of the two is required. */
  EVENTS_DATABASE_URL: env.optionalUrl({ protocols: ['postgres:', 'postgresql:'] }),
  /** Where email goes, e.g. smtp://127.0.0.1:7025 (the local mail sink). */
  SMTP_URL: env.url({ protocols: ['smtp:', 'smtps:'] }),
  MAIL_FROM: env.string({ default: 'Shop <no-reply@shop.local>' }),
  /** For the JWKS; optional when a verifier is injected (tests). */
  PEER_USER_URLS: env.optionalString(),
  /** Poll fallback of the consumer and the email dispatcher, ms. */
  NOTIFICATION_POLL_INTERVAL_MS: env.int({ default: 1000, min: 20, max: 60_000 }),
  /** Live streams (GET /notifications/stream) one user may hold on one instance; past it, 429. */
  STREAMS_PER_USER: env.int({ default: 5, min: 1, max: 1000 }),
  /**
   * Live streams one instance holds in all; past it, 503. Must stay below
   * MAX_CONCURRENT_REQUESTS (checked at start): each open stream keeps one of
   * those request slots, and ordinary requests need the rest.
   */
  MAX_STREAMS: env.int({ default: 128, min: 1, max: 100_000 }),
};

export type NotificationConfig = BaseServiceConfig & ConfigOf<typeof configSpec>;
