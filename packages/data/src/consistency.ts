import { MemoryCache, type Cache } from './cache.ts';
import { formatLsn, isLsn, maxLsn, parseLsn } from './lsn.ts';

/**
 * Read-your-writes across instances (docs/decisions/0003-read-your-writes.md).
 *
 * A write answers with a consistency token, `<scope>@<lsn>`: the primary's
 * position after the commit, for the service (`scope`) that made it. A client
 * sends its tokens back in the same header on later requests (several,
 * comma-separated, one per service); whichever instance serves the read, it
 * reads at or past that position. Clients that do not echo the header are
 * covered by a per-subject floor (usually the user id) kept in a Cache: Redis
 * when configured, so every instance sees it; in process otherwise.
 */
export const CONSISTENCY_HEADER = 'x-consistency-token';

export function formatToken(scope: string, lsn: string): string {
  return `${scope}@${lsn}`;
}

/** The latest position among the header's tokens for `scope`; others' tokens and malformed ones are ignored. */
export function tokenPosition(header: string | readonly string[] | undefined, scope: string): string | undefined {
  if (header === undefined) return undefined;
  const tokens = (typeof header === 'string' ? [header] : header).flatMap((h) => h.split(','));
  const positions: string[] = [];
  for (const token of tokens) {
    const at = token.trim().lastIndexOf('@');
    if (at <= 0 || token.trim().slice(0, at) !== scope) continue;
    const lsn = token.trim().slice(at + 1);
    if (isLsn(lsn)) positions.push(formatLsn(parseLsn(lsn)));
  }
  return maxLsn(...positions);
}

/**
 * Remembers, per key, the WAL position of the latest write, for `ttlMs`
 * (longer than any replica the router still uses can lag). The last write
 * noted wins: two instances noting writes of one key at the same moment may
 * keep the earlier position; the header token of each response still
 * carries its own.
 */
export class ConsistencyTracker {
  readonly #store: Cache;
  readonly #ttlMs: number;

  constructor(options: { store?: Cache; ttlMs?: number } = {}) {
    this.#store = options.store ?? new MemoryCache();
    this.#ttlMs = options.ttlMs ?? 30_000;
  }

  async noteWrite(key: string, lsn: string): Promise<void> {
    await this.#store.set(key, lsn, this.#ttlMs);
  }

  async minLsnFor(key: string): Promise<string | undefined> {
    const lsn = await this.#store.get<string>(key);
    return typeof lsn === 'string' && isLsn(lsn) ? lsn : undefined;
  }

  close(): Promise<void> {
    return this.#store.close();
  }
}

/** The two halves of read-your-writes as a service uses them: after a write, and before a read. */
export class ReadYourWrites {
  readonly scope: string;
  readonly #position: () => Promise<string>;
  readonly #tracker: ConsistencyTracker;
  readonly #onError: (error: unknown) => void;

  constructor(options: {
    scope: string;
    positionAfterWrite: () => Promise<string>;
    tracker?: ConsistencyTracker;
    onError?: (error: unknown) => void;
  }) {
    this.scope = options.scope;
    this.#position = options.positionAfterWrite;
    this.#tracker = options.tracker ?? new ConsistencyTracker();
    this.#onError = options.onError ?? (() => undefined);
  }

  /**
   * Call after the write committed. Returns the position to read at later and
   * the token to answer with (undefined when the primary could not be asked:
   * the write stands, only its read-your-writes guarantee is lost), and notes
   * the position for `subject` when given.
   */
  async afterWrite(subject?: string): Promise<{ lsn: string; token: string } | undefined> {
    let lsn: string;
    try {
      lsn = await this.#position();
    } catch (error) {
      this.#onError(error);
      return undefined;
    }
    if (subject !== undefined) await this.#tracker.noteWrite(subject, lsn).catch(this.#onError);
    return { lsn, token: formatToken(this.scope, lsn) };
  }

  /** The position a read must be at or past: the header's token for this scope and the subject's last write, whichever is later. */
  async floor(header: string | readonly string[] | undefined, subject?: string): Promise<string | undefined> {
    const fromHeader = tokenPosition(header, this.scope);
    if (subject === undefined) return fromHeader;
    const noted = await this.#tracker.minLsnFor(subject).catch((error: unknown) => {
      this.#onError(error);
      return undefined;
    });
    return maxLsn(fromHeader, noted);
  }

  close(): Promise<void> {
    return this.#tracker.close();
  }
}
