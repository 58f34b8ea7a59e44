import { context, createContextKey, type Context } from '@opentelemetry/api';

/**
 * How much a request matters when not everything can be served, most to least
 * (the SRE book's criticality): a checkout, a payment or a login before a cart
 * change, a cart before a product page, a product page before a search, and
 * analytics and notification history last. The platform's entry assigns it from
 * the route; the mesh carries it to every call made while serving the request.
 */
export const CRITICALITIES = ['critical', 'high', 'default', 'low', 'sheddable'] as const;
export type Criticality = (typeof CRITICALITIES)[number];

/** What a request that says nothing (or nothing we know) counts as. */
export const DEFAULT_CRITICALITY: Criticality = 'default';

/** The header that carries it between mesh peers; never believed from outside the mesh. */
export const CRITICALITY_HEADER = 'x-criticality';

const RANKS: ReadonlyMap<string, number> = new Map(CRITICALITIES.map((name, rank) => [name, rank]));

/** 0 for the most critical; an unknown or missing value ranks as the default. */
export function criticalityRank(value: unknown): number {
  return (typeof value === 'string' ? RANKS.get(value) : undefined) ?? RANKS.get(DEFAULT_CRITICALITY)!;
}

export function criticalityOfRank(rank: number): Criticality {
  return CRITICALITIES[rank] ?? DEFAULT_CRITICALITY;
}

const CRITICALITY = createContextKey('shop.mesh.criticality');

/** A request's criticality rides in the active context, as its deadline does (see deadline.ts). */
export function withCriticality(ctx: Context, criticality: Criticality | undefined): Context {
  return criticality === undefined ? ctx : ctx.setValue(CRITICALITY, criticality);
}

export function activeCriticality(): Criticality | undefined {
  return context.active().getValue(CRITICALITY) as Criticality | undefined;
}
