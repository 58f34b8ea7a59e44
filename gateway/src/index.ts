export { createGateway, type GatewayDeps } from './createGateway.ts';
export { gatewaySpec, type GatewayConfig } from './config.ts';
export {
  MemoryRateLimitStore,
  FallbackRateLimitStore,
  gcra,
  type RateLimitStore,
  type RateLimitDecision,
} from './rateLimit.ts';
export { RedisRateLimitStore } from './redisRateLimit.ts';
