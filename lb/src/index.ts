export { createBalancer, type Balancer, type BalancerOptions } from './createBalancer.ts';
export { BackendSet, type Backend, type BackendPolicy } from '@shop/mesh';
