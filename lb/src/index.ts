export {
  createBalancer,
  CLIENT_DEFAULTS,
  type Balancer,
  type BalancerOptions,
  type ClientLimits,
} from './createBalancer.ts';
export { BackendSet, type Backend, type BackendPolicy } from '@shop/mesh';
