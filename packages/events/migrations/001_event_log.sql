-- The embedded event log: a partitioned, append-only log of event envelopes,
-- consumer groups with committed offsets and partition leases, dead letters.

-- Partition count per topic, fixed when the topic is first used: events with
-- one key always land in one partition, so they are delivered in order.
CREATE TABLE event_topics (
  topic text PRIMARY KEY,
  partitions integer NOT NULL CHECK (partitions BETWEEN 1 AND 1024),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- The next offset of each partition. Appenders lock this row (upsert) for the
-- rest of their transaction, so offsets within a partition become visible in
-- increasing order: a reader never sees offset n+1 before offset n commits.
CREATE TABLE partition_heads (
  topic text NOT NULL,
  partition integer NOT NULL,
  next_offset bigint NOT NULL,
  PRIMARY KEY (topic, partition)
);

CREATE TABLE events (
  topic text NOT NULL,
  partition integer NOT NULL,
  "offset" bigint NOT NULL,
  -- The envelope id: publishing the same event twice stores it once.
  id uuid NOT NULL UNIQUE,
  key text NOT NULL,
  type text NOT NULL,
  envelope jsonb NOT NULL,
  appended_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (topic, partition, "offset")
);
CREATE INDEX events_appended_at ON events (appended_at);

-- One row per (group, topic, partition): the last offset the group has
-- processed, and which consumer instance holds the partition until when.
CREATE TABLE consumer_offsets (
  group_name text NOT NULL,
  topic text NOT NULL,
  partition integer NOT NULL,
  "offset" bigint NOT NULL DEFAULT 0,
  lease_owner text,
  lease_until timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_name, topic, partition)
);

-- Events a group gave up on after its retries; 'redrive' asks the group's
-- consumers to try again, 'redriven' records that it then succeeded.
CREATE TABLE dead_letters (
  id uuid PRIMARY KEY,
  group_name text NOT NULL,
  topic text NOT NULL,
  partition integer NOT NULL,
  "offset" bigint NOT NULL,
  event_id uuid NOT NULL,
  envelope jsonb NOT NULL,
  error text NOT NULL,
  attempts integer NOT NULL,
  status text NOT NULL DEFAULT 'dead' CHECK (status IN ('dead', 'redrive', 'redriving', 'redriven')),
  claimed_by text,
  claimed_until timestamptz,
  failed_at timestamptz NOT NULL DEFAULT now(),
  redriven_at timestamptz,
  UNIQUE (group_name, event_id)
);
CREATE INDEX dead_letters_pending ON dead_letters (group_name, failed_at) WHERE status IN ('redrive', 'redriving');
