// What the contract test checks on every event a producer wrote: the
// envelope's topic and version are its contract's, and the payload passes the
// schema of every consumer of that type (the @shop/contracts schema the
// consumer validates with, compiled here with TypeBox's Compile).
import type { Queryable } from '@shop/data';
import { CONSUMED_EVENTS, contractOf, type EventType } from '@shop/contracts';
import type { Envelope } from '@shop/events';
import { Compile } from 'typebox/compile';

/** One outbox row as the producer wrote it. */
export interface WrittenEvent {
  producer: string;
  topic: string;
  type: string;
  version: number;
  envelope: Envelope;
}

/** Every event `producer`'s outbox holds, oldest first. */
export async function writtenEvents(db: Queryable, producer: string): Promise<WrittenEvent[]> {
  const { rows } = await db.query<{ topic: string; type: string; version: number; envelope: Envelope }>(
    'SELECT topic, type, version, envelope FROM outbox ORDER BY created_at, id',
  );
  return rows.map((row) => ({ producer, ...row }));
}

/** The consumer groups that read `type`, with the schema each validates it with. */
export function consumersOf(type: string): Array<{ consumer: string; check: (payload: unknown) => string[] }> {
  const contract = contractOf(type);
  if (!contract) return [];
  const validator = Compile(contract.payload);
  return Object.entries(CONSUMED_EVENTS)
    .filter(([, types]) => (types as readonly string[]).includes(type))
    .map(([consumer]) => ({
      consumer,
      check: (payload: unknown) =>
        validator.Check(payload)
          ? []
          : [...validator.Errors(payload)].slice(0, 3).map((e) => `${e.instancePath || '/'} ${e.message}`),
    }));
}

/** Every way `event` breaks its contract or a consumer's schema (empty: it keeps them all). */
export function breaches(event: WrittenEvent): string[] {
  const contract = contractOf(event.type);
  if (!contract) return [`${event.producer} wrote ${event.type}, which no contract declares`];
  const problems: string[] = [];
  if (event.topic !== contract.topic) problems.push(`${event.type} on topic ${event.topic}, not ${contract.topic}`);
  if (event.version !== contract.version || event.envelope.version !== contract.version)
    problems.push(`${event.type} version ${event.version}, not ${contract.version}`);
  const own = Compile(contract.payload);
  if (!own.Check(event.envelope.payload)) problems.push(`${event.type} breaks its own contract`);
  for (const { consumer, check } of consumersOf(event.type))
    for (const problem of check(event.envelope.payload))
      problems.push(`${event.producer} -> ${consumer}: ${event.type} ${problem}`);
  return problems;
}

/** The consumed types no producer wrote in this run (the test must exercise each). */
export function unexercised(events: readonly WrittenEvent[]): EventType[] {
  const written = new Set(events.map((e) => e.type));
  const consumed = new Set<EventType>(Object.values(CONSUMED_EVENTS).flat());
  return [...consumed].filter((type) => !written.has(type));
}
