import { context, createContextKey, type Context } from '@opentelemetry/api';

const DEADLINE = createContextKey('shop.mesh.deadline');

/** The header that carries what is left of a caller's deadline to the callee, in milliseconds. */
export const DEADLINE_HEADER = 'x-request-timeout-ms';

/**
 * A request's deadline (epoch ms) rides in the active context, beside its
 * trace, so every mesh call made while serving it is bounded by what the
 * caller has left, without each handler passing it along by hand.
 */
export function withDeadline(ctx: Context, deadline: number | undefined): Context {
  return deadline === undefined ? ctx.deleteValue(DEADLINE) : ctx.setValue(DEADLINE, deadline);
}

export function activeDeadline(): number | undefined {
  const value = context.active().getValue(DEADLINE);
  return typeof value === 'number' ? value : undefined;
}

/** Runs `fn` free of the caller's deadline: work that outlives the request (a saga finishing in the background). */
export function detachedFromDeadline<T>(fn: () => T): T {
  return context.with(context.active().deleteValue(DEADLINE), fn);
}
