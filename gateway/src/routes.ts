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
  '/analytics': 'analytics',
} as const;

export type RoutedService = (typeof SERVICE_PREFIXES)[keyof typeof SERVICE_PREFIXES];

/**
 * Services a region may run without (a topology need not deploy analytics):
 * the gateway starts without their instances and answers their routes 503
 * DEPENDENCY_UNAVAILABLE. Every other routed service is required.
 */
export const OPTIONAL_SERVICES = ['analytics'] as const satisfies readonly RoutedService[];
export type OptionalService = (typeof OPTIONAL_SERVICES)[number];

/** One client per routed service; optional services' may be missing. */
export type GatewayPeers<T> = { [S in Exclude<RoutedService, OptionalService>]: T } & { [S in OptionalService]?: T };

const INTERNAL: RegExp[] = [/^\/payments(\/|$)/, /^\/users\/keys(\/|$)/, /^\/users\/admin(\/|$)/];

/** Whether a canonical path (see canonicalPath in @shop/platform) names a service-to-service route. */
export function isInternal(path: string): boolean {
  return INTERNAL.some((pattern) => pattern.test(path));
}

/** The path of the one long-lived route: a stream of server-sent events. */
export const STREAM_PATH = '/notifications/stream';

export function serviceFor(path: string): RoutedService | undefined {
  for (const [prefix, service] of Object.entries(SERVICE_PREFIXES)) {
    if (path === prefix || path.startsWith(`${prefix}/`) || path.startsWith(`${prefix}?`)) return service;
  }
  return undefined;
}
