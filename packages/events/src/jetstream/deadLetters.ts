import type { KV, KvEntry } from '@nats-io/kv';
import { v5 as uuidv5, v7 as uuidv7 } from 'uuid';
import type { DeadLetter, DeadLetterFilter, DeadLetterStatus } from '../bus.ts';

/**
 * Dead letters on JetStream: one entry per (group, event) in a KV bucket,
 * keyed `<group>.<id>`. Why a KV bucket and not a dead-letter stream: the
 * contract needs a record whose status moves (dead -> redrive -> redriving ->
 * redriven, or back to dead) exactly once under concurrent operators and
 * consumer instances. A KV entry's revision gives compare-and-set on each move,
 * watches wake the group's consumers on a redrive, and the bucket is itself a
 * replicated stream, so it is as durable as the events. A DLQ stream would
 * still need such a store beside it for the status.
 *
 * The id is derived from (group, event id), so a second failure of the same
 * event in the same group updates its letter instead of adding one, as the
 * PostgreSQL log's unique (group_name, event_id) does.
 */
export interface StoredLetter extends Omit<DeadLetter, 'failedAt' | 'redrivenAt'> {
  failedAt: string;
  redrivenAt: string | null;
  /** Set while a consumer instance redrives it; another may take over after `claimedUntil`. */
  claimedBy: string | null;
  claimedUntil: string | null;
}

export interface NewLetter {
  group: string;
  topic: string;
  partition: number;
  offset: number;
  envelope: unknown;
  error: string;
  attempts: number;
}

const ID_NAMESPACE = '6f1f5c1e-7c2a-4d38-9a57-2f4a1de0b6c3';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_CAS_ROUNDS = 20;

export class CasConflictError extends Error {
  override name = 'CasConflictError';
}

export function letterKey(group: string, id: string): string {
  return `${group}.${id}`;
}

export function toDeadLetter(s: StoredLetter): DeadLetter {
  return {
    id: s.id,
    group: s.group,
    topic: s.topic,
    partition: s.partition,
    offset: s.offset,
    eventId: s.eventId,
    envelope: s.envelope,
    error: s.error,
    attempts: s.attempts,
    status: s.status,
    failedAt: new Date(s.failedAt),
    redrivenAt: s.redrivenAt ? new Date(s.redrivenAt) : null,
  };
}

export function parseEntry(entry: KvEntry | null): StoredLetter | undefined {
  if (!entry || entry.operation !== 'PUT') return undefined;
  return entry.json<StoredLetter>();
}

export class KvDeadLetters {
  readonly #bucket: () => Promise<KV>;

  constructor(bucket: () => Promise<KV>) {
    this.#bucket = bucket;
  }

  bucket(): Promise<KV> {
    return this.#bucket();
  }

  /** Records (or re-records) a dead letter with status 'dead'. */
  async record(letter: NewLetter): Promise<StoredLetter> {
    const rawId = (letter.envelope as { id?: unknown } | null)?.id;
    const eventId = typeof rawId === 'string' && UUID.test(rawId) ? rawId : uuidv7();
    const id = uuidv5(`${letter.group}/${eventId}`, ID_NAMESPACE);
    const now = new Date().toISOString();
    return this.#mutate(letterKey(letter.group, id), (current) => ({
      id,
      group: letter.group,
      topic: letter.topic,
      partition: letter.partition,
      offset: letter.offset,
      eventId,
      envelope: letter.envelope,
      error: letter.error,
      attempts: (current?.attempts ?? 0) + letter.attempts,
      status: 'dead',
      failedAt: now,
      redrivenAt: current?.redrivenAt ?? null,
      claimedBy: null,
      claimedUntil: null,
    }));
  }

  async list(filter: DeadLetterFilter = {}): Promise<DeadLetter[]> {
    const kv = await this.#bucket();
    const keys: string[] = [];
    for await (const key of await kv.keys(filter.group ? letterKey(filter.group, '*') : '>')) keys.push(key);
    const letters = (await Promise.all(keys.map(async (key) => parseEntry(await kv.get(key))))).filter(
      (l): l is StoredLetter => l !== undefined,
    );
    const limit = Math.min(Math.max(filter.limit ?? 100, 1), 1000);
    return letters
      .filter((l) => filter.status === undefined || l.status === filter.status)
      .sort((a, b) => a.failedAt.localeCompare(b.failedAt) || a.id.localeCompare(b.id))
      .slice(0, limit)
      .map(toDeadLetter);
  }

  /** dead -> redrive; false when there is no such letter or it is not dead. */
  async requestRedrive(id: string): Promise<boolean> {
    if (!UUID.test(id)) return false;
    const kv = await this.#bucket();
    const found: string[] = [];
    for await (const key of await kv.keys(`*.${id}`)) found.push(key);
    const key = found[0];
    if (!key) return false;
    try {
      await this.#mutate(key, (current) => {
        if (current?.status !== 'dead') throw new NotApplicable();
        return { ...current, status: 'redrive', claimedBy: null, claimedUntil: null };
      });
      return true;
    } catch (error) {
      if (error instanceof NotApplicable) return false;
      throw error;
    }
  }

  /** Takes a letter to redrive (redrive, or redriving with an expired claim) for `owner`; undefined when another got it first. */
  async claim(key: string, owner: string, leaseMs: number): Promise<StoredLetter | undefined> {
    try {
      return await this.#mutate(
        key,
        (current) => {
          if (!current || !claimable(current, Date.now())) throw new NotApplicable();
          return {
            ...current,
            status: 'redriving',
            claimedBy: owner,
            claimedUntil: new Date(Date.now() + leaseMs).toISOString(),
          };
        },
        1,
      );
    } catch (error) {
      if (error instanceof NotApplicable || error instanceof CasConflictError) return undefined;
      throw error;
    }
  }

  /** Ends a redrive this owner holds: redriven, dead again (adding attempts), or back to 'redrive' when it stopped midway. */
  async settle(
    key: string,
    owner: string,
    result: { status: Extract<DeadLetterStatus, 'redriven' | 'dead' | 'redrive'>; error?: string; attempts?: number },
  ): Promise<void> {
    try {
      await this.#mutate(key, (current) => {
        if (!current || current.claimedBy !== owner) throw new NotApplicable();
        const now = new Date().toISOString();
        return {
          ...current,
          status: result.status,
          claimedBy: null,
          claimedUntil: null,
          ...(result.status === 'redriven' ? { redrivenAt: now } : {}),
          ...(result.status === 'dead'
            ? {
                error: result.error ?? current.error,
                attempts: current.attempts + (result.attempts ?? 0),
                failedAt: now,
              }
            : {}),
        };
      });
    } catch (error) {
      if (!(error instanceof NotApplicable)) throw error;
    }
  }

  /** Read-modify-write with the entry's revision as the compare-and-set guard. */
  async #mutate(
    key: string,
    change: (current: StoredLetter | undefined) => StoredLetter,
    rounds = MAX_CAS_ROUNDS,
  ): Promise<StoredLetter> {
    const kv = await this.#bucket();
    for (let round = 0; round < rounds; round++) {
      const entry = await kv.get(key);
      const current = parseEntry(entry);
      const next = change(current);
      try {
        // A deleted entry still has a revision: update it rather than create.
        if (entry) await kv.update(key, JSON.stringify(next), entry.revision);
        else await kv.create(key, JSON.stringify(next));
        return next;
      } catch (error) {
        if (!isWrongRevision(error)) throw error;
      }
    }
    throw new CasConflictError(`dead letter ${key} changed under us ${rounds} times`);
  }
}

export function claimable(letter: StoredLetter, now: number): boolean {
  return (
    letter.status === 'redrive' ||
    (letter.status === 'redriving' && (letter.claimedUntil === null || Date.parse(letter.claimedUntil) < now))
  );
}

class NotApplicable extends Error {}

function isWrongRevision(error: unknown): boolean {
  return error instanceof Error && /wrong last sequence|key exists/i.test(error.message);
}
