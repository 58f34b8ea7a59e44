import { gatewaySpec, type ConfigOf } from '@shop/platform';

/** The gateway's variables, declared in the platform's configuration registry (config/edge.ts). */
export { gatewaySpec };
export type GatewayConfig = ConfigOf<typeof gatewaySpec>;
