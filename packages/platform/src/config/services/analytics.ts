import type { Spec } from '../../config.ts';
import { consumerPollInterval, peersSpec } from '../pieces.ts';

/** The analytics service's own variables (beyond baseServiceSpec). */
export const analyticsSpec = {
  ...peersSpec({ optional: ['user'] }),
  ANALYTICS_POLL_INTERVAL_MS: consumerPollInterval('how soon an idle consumer looks again without a wake-up'),
} satisfies Spec;
