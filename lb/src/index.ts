export { createBalancer, type Balancer, type BalancerOptions } from './createBalancer.ts';
export { CLIENT_DEFAULTS, type ClientLimits } from './clientLimits.ts';
export { BackendSet, type Backend, type BackendPolicy } from '@shop/mesh';
