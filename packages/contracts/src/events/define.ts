/**
 * How an event contract is declared: the topic it travels on, its type, the
 * payload version, and the payload's TypeBox schema. Producers type what they
 * write with `EventPayload<type>`, consumers validate what they read with the
 * same schema (see validate.ts); test/contracts checks one against the other.
 */
import type { Static, TSchema } from 'typebox';

/** Topic names; an event's key orders it within its topic. */
export const TOPICS = {
  order: 'order',
  payment: 'payment',
  user: 'user',
  product: 'product',
  inventory: 'inventory',
} as const;
export type Topic = (typeof TOPICS)[keyof typeof TOPICS];

export interface EventContract<T extends string = string, S extends TSchema = TSchema> {
  topic: Topic;
  type: T;
  /** The payload's version (the envelope's `version`); a breaking change adds a new one. */
  version: number;
  payload: S;
}

/** Declares one event type's contract (version 1 unless given). */
export function defineEvent<T extends string, S extends TSchema>(
  topic: Topic,
  type: T,
  payload: S,
  version = 1,
): EventContract<T, S> {
  return { topic, type, version, payload };
}

export type PayloadOf<C> = C extends EventContract<string, infer S> ? Static<S> : never;
