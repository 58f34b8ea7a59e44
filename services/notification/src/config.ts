import { notificationSpec, type BaseServiceConfig, type ConfigOf } from '@shop/platform';

/**
 * The notification service's variables beyond the base set. They are declared in the platform's
 * configuration registry (packages/platform/src/config/services.ts), where the launcher and
 * docs/configuration.md read them too.
 */
export const configSpec = notificationSpec;

export type NotificationConfig = BaseServiceConfig & ConfigOf<typeof configSpec>;
