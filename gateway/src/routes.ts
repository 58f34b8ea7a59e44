/**
 * What the gateway exposes. Each public prefix goes to its service; a few
 * service routes are internal (service-to-service only) and are refused at the
 * edge. Until the mesh authorises callers by mTLS identity, this list is what
 * keeps a customer from calling, say, the payment service's charge endpoint.
 */
export const SERVICE_PREFIXES = {
  '/users': 'user',
  '/products': 'product',
  '/orders': 'order',
  '/payments': 'payment',
  '/notifications': 'notification',
} as const;

export type RoutedService = (typeof SERVICE_PREFIXES)[keyof typeof SERVICE_PREFIXES];

const INTERNAL: RegExp[] = [/^\/payments(\/|$)/, /^\/users\/keys(\/|$)/];

export function isInternal(path: string): boolean {
  return INTERNAL.some((pattern) => pattern.test(path));
}

export function serviceFor(path: string): RoutedService | undefined {
  for (const [prefix, service] of Object.entries(SERVICE_PREFIXES)) {
    if (path === prefix || path.startsWith(`${prefix}/`) || path.startsWith(`${prefix}?`)) return service;
  }
  return undefined;
}
