// What a PostgreSQL event log's NOTIFY says, written by an append and read by its consumers.

/**
 * The notification an append sends: the topic and the partitions it wrote
 * ("order:3,5"), so a consumer reads only those instead of every partition it
 * holds. A bare topic (a wide append, or an older writer) means all of them.
 */
export function wakeSignal(topic: string, partitions: readonly number[]): string {
  return partitions.length > 0 && partitions.length <= 64 ? `${topic}:${partitions.join(',')}` : topic;
}

/** What a wake names: a topic and its partitions, `undefined` partitions meaning all; null for '*' and '$redrive'. */
export function parseWakeSignal(signal: string): { topic: string; partitions: number[] | undefined } | null {
  if (signal === '*' || signal === '$redrive') return null;
  const colon = signal.indexOf(':');
  if (colon < 0) return { topic: signal, partitions: undefined };
  const partitions = signal
    .slice(colon + 1)
    .split(',')
    .map(Number);
  return {
    topic: signal.slice(0, colon),
    partitions: partitions.every((p) => Number.isInteger(p) && p >= 0) ? partitions : undefined,
  };
}
