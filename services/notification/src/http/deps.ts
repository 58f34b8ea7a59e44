import type { LiveFeed } from '../app/liveFeed.ts';
import type { StreamRegistry } from '../app/streamRegistry.ts';
import type { NotificationStore } from '../domain/ports.ts';

/** What the notification routes (routes.ts) and the live stream (stream.ts) are given. */
export interface NotificationRoutesDeps {
  notifications: NotificationStore;
  feed: LiveFeed;
  heartbeatMs: number;
  /** Admits streams within their caps and ends them (token expiry, session revoked, shutdown). */
  streams: StreamRegistry;
}
