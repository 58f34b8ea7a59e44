/**
 * A producer's typed outbox: each service makes one with its producer name
 * and writes events by their @shop/contracts type. The topic and the payload
 * version come from the contract, and the payload must have the contract's
 * type, so a producer cannot write an event its consumers do not expect.
 */
import type { EventPayload, EventType } from '@shop/contracts';
import { contractOf } from '@shop/contracts';
import type { Queryable } from '@shop/data';
import type { HybridLogicalClock } from './hlc.ts';
import { appendToOutbox } from './outbox.ts';

/** One event to write: its contract type and payload, its ordering key and provenance. */
export interface ContractEvent<T extends EventType = EventType> {
  type: T;
  /** Ordering key: events with one key are delivered in order (usually the aggregate id). */
  key: string;
  payload: EventPayload<T>;
  /** Defaults to the key. */
  aggregateId?: string;
  correlationId?: string;
  causationId?: string;
}

/** An outbox bound to one transaction: what a store hands its unit of work as `outbox`. */
export interface TransactionOutbox {
  /** Writes one event on the bound transaction (see Outbox.append). */
  append<T extends EventType>(event: ContractEvent<T>): Promise<void>;
}

export interface Outbox {
  /** The service's name in every envelope it writes. */
  readonly producer: string;
  /**
   * Writes one event on the caller's transaction, so the event exists if and
   * only if the state change it describes committed; returns the event id.
   * The relay (relayOutboxToLog) moves it to the bus.
   */
  append<T extends EventType>(tx: Queryable, event: ContractEvent<T>): Promise<string>;
  /** This outbox bound to `tx`, e.g. a transactional store's `(tx) => ({ outbox: outbox.on(tx) })`. */
  on(tx: Queryable): TransactionOutbox;
}

/** The outbox of `producer` (e.g. 'order-service'); `clock` replaces the process's hybrid logical clock (tests). */
export function createOutbox(producer: string, options: { clock?: HybridLogicalClock } = {}): Outbox {
  const append: Outbox['append'] = async (tx, event) => {
    const contract = contractOf(event.type);
    if (!contract) throw new Error(`No contract declares the event type ${event.type}`);
    const { type, key, payload, aggregateId, correlationId, causationId } = event;
    const row = { topic: contract.topic, type, version: contract.version, key, payload, aggregateId };
    const envelope = await appendToOutbox(tx, producer, { ...row, correlationId, causationId }, options.clock);
    return envelope.id;
  };
  return {
    producer,
    append,
    on: (tx) => ({
      async append(event) {
        await append(tx, event);
      },
    }),
  };
}
