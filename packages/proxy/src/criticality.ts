import type { Criticality } from '@shop/mesh';

/**
 * The platform entry's one route table for overload (the balancer and the
 * gateway both use it; the gateway's word is final, and the mesh carries it on):
 * a checkout, a payment or a login first, then the cart and the shopper's own
 * orders and account, then product pages, then search and listing, and the
 * analytics and notification history last. Probes never reach it: they are
 * admitted before any class is asked for.
 */
const RULES: ReadonlyArray<{ methods?: ReadonlySet<string>; path: RegExp; criticality: Criticality }> = [
  { methods: new Set(['POST']), path: /^\/orders\/?(\?|$)/, criticality: 'critical' },
  { path: /^\/payments(\/|\?|$)/, criticality: 'critical' },
  { path: /^\/users\/sessions(\/|\?|$)/, criticality: 'critical' },
  { path: /^\/(orders|users)(\/|\?|$)/, criticality: 'high' },
  { methods: new Set(['GET', 'HEAD']), path: /^\/products\/[^/?]+/, criticality: 'default' },
  { methods: new Set(['GET', 'HEAD']), path: /^\/products\/?(\?|$)/, criticality: 'low' },
  { path: /^\/products(\/|\?|$)/, criticality: 'high' },
  { path: /^\/(analytics|notifications)(\/|\?|$)/, criticality: 'sheddable' },
];

/** How much a public request matters under overload, from its method and path (raw URL, query included). */
export function criticalityOf(method: string, url: string): Criticality {
  for (const rule of RULES) {
    if (rule.path.test(url) && (!rule.methods || rule.methods.has(method))) return rule.criticality;
  }
  return 'default';
}
