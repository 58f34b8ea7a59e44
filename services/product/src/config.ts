import { productSpec, type BaseServiceConfig, type ConfigOf } from '@shop/platform';

/**
 * The product service's variables beyond the base set. They are declared in the platform's
 * configuration registry (packages/platform/src/config/services.ts), where the launcher and
 * docs/configuration.md read them too.
 */
export const configSpec = productSpec;

export type ProductConfig = BaseServiceConfig & ConfigOf<typeof configSpec>;
