import { createBaseApp, type BaseServiceConfig, type ServiceApp, type ServiceDeps } from '@shop/platform';
import { registerSignUp } from './http/signUp.ts';

/** Builds the user service; never listens (main.ts does). */
export function createApp(config: BaseServiceConfig, deps: ServiceDeps): ServiceApp {
  const app = createBaseApp(config, deps);
  registerSignUp(app, deps);
  return app;
}
