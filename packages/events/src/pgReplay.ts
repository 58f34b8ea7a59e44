import type { Database } from '@shop/data';
import type { ReplayOptions, ReplayedEvent } from './bus.ts';
import { isEnvelope } from './envelope.ts';

const PAGE = 500;

/**
 * Reads a topic of the PostgreSQL log partition by partition, in offset order,
 * up to each partition's head when the replay starts (so it ends even while
 * producers keep appending). Offsets here count per partition.
 */
export async function* replayPgTopic(
  db: Database,
  topic: string,
  options: ReplayOptions = {},
): AsyncGenerator<ReplayedEvent> {
  const { rows: heads } = await db.query<{ partition: number; head: string }>(
    'SELECT partition, next_offset - 1 AS head FROM partition_heads WHERE topic = $1 ORDER BY partition',
    [topic],
  );
  for (const { partition, head } of heads) {
    let after = options.fromOffset ?? 0;
    for (;;) {
      options.signal?.throwIfAborted();
      const { rows } = await db.query<{ offset: string; envelope: unknown }>(
        'SELECT "offset", envelope FROM events WHERE topic = $1 AND partition = $2 AND "offset" > $3 AND "offset" <= $4 ORDER BY "offset" LIMIT $5',
        [topic, partition, after, head, PAGE],
      );
      for (const row of rows) {
        after = Number(row.offset);
        if (isEnvelope(row.envelope)) yield { event: row.envelope, topic, partition, offset: after };
      }
      if (rows.length < PAGE) break;
    }
  }
}

/** Sets the group's committed offset on every partition of the topic; running members re-read it at their next lease renewal. */
export async function resetPgGroup(
  db: Database,
  group: string,
  position: { topic: string; partitions: number; toOffset: number },
): Promise<void> {
  const { topic, partitions, toOffset } = position;
  await db.query(
    `INSERT INTO consumer_offsets (group_name, topic, partition, "offset") SELECT $1, $2, p, $4 FROM generate_series(0, $3::int - 1) AS p
     ON CONFLICT (group_name, topic, partition) DO UPDATE SET "offset" = EXCLUDED."offset", updated_at = now()`,
    [group, topic, partitions, toOffset],
  );
}
