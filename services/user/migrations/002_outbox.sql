CREATE TABLE outbox (
  id uuid PRIMARY KEY,
  topic text NOT NULL,
  type text NOT NULL,
  version integer NOT NULL DEFAULT 1,
  key text NOT NULL,
  envelope jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz
);
CREATE INDEX outbox_unpublished ON outbox (created_at, id) WHERE published_at IS NULL;
