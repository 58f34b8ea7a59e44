/**
 * The statements a PostgreSQL consumer-group member runs on the log
 * (pgConsumer.ts): partition leases and offsets in consumer_offsets, and its
 * group's dead letters.
 */
import { v7 as uuidv7 } from 'uuid';
import type { Database } from '@shop/data';
import type { Outcome } from './delivery.ts';

/** One member of one group. */
export interface Member {
  group: string;
  owner: string;
  leaseMs: number;
}

export interface Slot {
  topic: string;
  partition: number;
}

/** Takes or renews the lease of every slot free, ours, or expired; returns those held with their offsets. */
export async function renewPartitionLeases(
  db: Database,
  member: Member,
  slots: Slot[],
): Promise<Array<Slot & { offset: number }>> {
  const { rows } = await db.query<{ topic: string; partition: number; offset: string }>(
    `INSERT INTO consumer_offsets (group_name, topic, partition, lease_owner, lease_until)
     SELECT $1, t, p, $4, now() + make_interval(secs => $5::double precision / 1000) FROM unnest($2::text[], $3::int[]) AS s(t, p)
     ON CONFLICT (group_name, topic, partition) DO UPDATE SET lease_owner = EXCLUDED.lease_owner, lease_until = EXCLUDED.lease_until
     WHERE consumer_offsets.lease_owner IS NULL OR consumer_offsets.lease_owner = EXCLUDED.lease_owner OR consumer_offsets.lease_until < now()
     RETURNING topic, partition, "offset"`,
    [member.group, slots.map((s) => s.topic), slots.map((s) => s.partition), member.owner, member.leaseMs],
  );
  return rows.map((r) => ({ topic: r.topic, partition: r.partition, offset: Number(r.offset) }));
}

/** Moves the slot's offset forward while we hold its lease; false when the lease was lost. */
export async function commitOffset(
  db: Database,
  member: Member,
  position: Slot & { offset: number },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE consumer_offsets SET "offset" = $4, updated_at = now()
     WHERE group_name = $1 AND topic = $2 AND partition = $3 AND lease_owner = $5 AND "offset" < $4`,
    [member.group, position.topic, position.partition, position.offset, member.owner],
  );
  return (rowCount ?? 0) > 0;
}

/** Gives every lease of the member back, so another member takes over at once. */
export async function releasePartitionLeases(db: Database, member: Member): Promise<void> {
  await db.query(
    'UPDATE consumer_offsets SET lease_owner = NULL, lease_until = NULL WHERE group_name = $1 AND lease_owner = $2',
    [member.group, member.owner],
  );
}

/** An event that failed for good, where it was read, and why. */
export interface DeadEvent {
  slot: Slot;
  offset: number;
  envelope: unknown;
  error: string;
  attempts: number;
}

/** Records the dead letter (again dead, if it was redriven before); returns the event id it is filed under. */
export async function insertDeadLetter(db: Database, group: string, dead: DeadEvent): Promise<string> {
  const eventId = (dead.envelope as { id?: unknown } | null)?.id;
  const id = typeof eventId === 'string' && /^[0-9a-f-]{36}$/i.test(eventId) ? eventId : uuidv7();
  await db.query(
    `INSERT INTO dead_letters (id, group_name, topic, partition, "offset", event_id, envelope, error, attempts)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (group_name, event_id) DO UPDATE SET status = 'dead', error = EXCLUDED.error, attempts = dead_letters.attempts + EXCLUDED.attempts, failed_at = now(), claimed_by = NULL, claimed_until = NULL`,
    [
      uuidv7(),
      group,
      dead.slot.topic,
      dead.slot.partition,
      dead.offset,
      id,
      JSON.stringify(dead.envelope),
      dead.error,
      dead.attempts,
    ],
  );
  return id;
}

export interface ClaimedLetter {
  id: string;
  topic: string;
  partition: number;
  offset: string;
  envelope: unknown;
}

/** Claims up to 10 of the group's letters an operator asked to redrive (or whose redriver died). */
export async function claimRedrives(db: Database, member: Member, topics: string[]): Promise<ClaimedLetter[]> {
  const { rows } = await db.query<ClaimedLetter>(
    `UPDATE dead_letters SET status = 'redriving', claimed_by = $3, claimed_until = now() + make_interval(secs => $4::double precision / 1000)
     WHERE id IN (SELECT id FROM dead_letters WHERE group_name = $1 AND topic = ANY($2::text[])
                  AND (status = 'redrive' OR (status = 'redriving' AND claimed_until < now()))
                  ORDER BY failed_at LIMIT 10 FOR UPDATE SKIP LOCKED)
     RETURNING id, topic, partition, "offset", envelope`,
    [member.group, topics, member.owner, member.leaseMs],
  );
  return rows;
}

/** Records a redrive's outcome: redriven, dead again, or (stopped) asked for again. */
export async function settleRedrive(db: Database, id: string, result: Outcome): Promise<void> {
  switch (result.outcome) {
    case 'stopped':
      await db.query("UPDATE dead_letters SET status = 'redrive', claimed_by = NULL WHERE id = $1", [id]);
      return;
    case 'done':
      await db.query(
        "UPDATE dead_letters SET status = 'redriven', redriven_at = now(), claimed_by = NULL WHERE id = $1",
        [id],
      );
      return;
    case 'dead':
      await db.query(
        "UPDATE dead_letters SET status = 'dead', error = $2, attempts = attempts + $3, failed_at = now(), claimed_by = NULL WHERE id = $1",
        [id, result.error, result.attempts],
      );
  }
}
