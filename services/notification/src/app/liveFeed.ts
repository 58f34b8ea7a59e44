/**
 * Fan-out of "notification n for user u was committed" to the open streams of
 * u on this instance. Fed by LISTEN/NOTIFY on the service's database, so a
 * notification recorded by any instance reaches streams on every instance.
 */
export class LiveFeed {
  readonly #subscribers = new Map<string, Set<(notificationId: string) => void>>();

  subscribe(userId: string, listener: (notificationId: string) => void): () => void {
    const set = this.#subscribers.get(userId) ?? new Set();
    set.add(listener);
    this.#subscribers.set(userId, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.#subscribers.delete(userId);
    };
  }

  /** Accepts the NOTIFY payload `{"id": ..., "userId": ...}`; ignores anything else. */
  publish(payload: string): void {
    let message: unknown;
    try {
      message = JSON.parse(payload);
    } catch {
      return;
    }
    const { id, userId } = (message ?? {}) as { id?: unknown; userId?: unknown };
    if (typeof id !== 'string' || typeof userId !== 'string') return;
    this.#subscribers.get(userId)?.forEach((listener) => listener(id));
  }

  get streams(): number {
    let n = 0;
    for (const set of this.#subscribers.values()) n += set.size;
    return n;
  }
}
