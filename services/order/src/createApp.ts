import { createBaseApp, type BaseServiceConfig, type ServiceApp, type ServiceDeps } from '@shop/platform';

/** Builds the order service; never listens (main.ts does). Its domain arrives with the shop issue. */
export function createApp(config: BaseServiceConfig, deps: ServiceDeps): ServiceApp {
  return createBaseApp(config, deps);
}
