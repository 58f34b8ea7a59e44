import { env, type Spec } from '../../config.ts';
import { consumerPollInterval, peersSpec } from '../pieces.ts';

/** The notification service's own variables (beyond baseServiceSpec). */
export const notificationSpec = {
  ...peersSpec({ optional: ['user'] }),
  SMTP_URL: env.url({
    protocols: ['smtp:', 'smtps:'],
    doc: 'where email goes, e.g. smtp://127.0.0.1:7025 (the local mail sink)',
  }),
  MAIL_FROM: env.string({ default: 'Shop <no-reply@shop.local>', doc: 'the From of every email' }),
  NOTIFICATION_POLL_INTERVAL_MS: consumerPollInterval('poll fallback of the consumer and the email dispatcher'),
  STREAMS_PER_USER: env.int({
    default: 5,
    min: 1,
    max: 1000,
    doc: 'live streams (GET /notifications/stream) one user may hold on one instance; past it, 429',
  }),
  MAX_STREAMS: env.int({
    default: 128,
    min: 1,
    max: 100_000,
    doc: 'live streams one instance holds in all; past it, 503 (keep it below MAX_CONCURRENT_REQUESTS)',
  }),
} satisfies Spec;
