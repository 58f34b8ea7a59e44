-- The order service's own data: carts, orders with their lines and status
-- history, checkout idempotency keys, and the transactional outbox.

CREATE TABLE cart_items (
  user_id uuid NOT NULL,
  product_id uuid NOT NULL,
  quantity integer NOT NULL CHECK (quantity BETWEEN 1 AND 100),
  added_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, product_id)
);

CREATE TABLE orders (
  id uuid PRIMARY KEY,
  -- Keyset pagination of a user's history, newest first.
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  user_id uuid NOT NULL,
  email text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'stock_reserved', 'payment_pending', 'paid', 'confirmed', 'cancelling', 'cancelled', 'failed')),
  total_minor bigint CHECK (total_minor >= 0),
  currency char(3),
  payment_method text NOT NULL,
  payment_id text,
  -- True once a charge succeeded: compensation must refund before it cancels.
  payment_captured boolean NOT NULL DEFAULT false,
  refund_id text,
  reason text,
  correlation_id text NOT NULL,
  -- Failed attempts to drive the saga forward (transient peer failures).
  attempts integer NOT NULL DEFAULT 0,
  -- Which driver (request or recovery loop of which instance) owns the saga until when.
  lease_owner text,
  lease_until timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_user_seq ON orders (user_id, seq DESC);
CREATE INDEX orders_in_progress ON orders (updated_at) WHERE status NOT IN ('confirmed', 'cancelled', 'failed');

CREATE TABLE order_items (
  order_id uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  product_id uuid NOT NULL,
  quantity integer NOT NULL CHECK (quantity BETWEEN 1 AND 100),
  sku text,
  name text,
  unit_price_minor bigint CHECK (unit_price_minor >= 0),
  currency char(3),
  PRIMARY KEY (order_id, product_id)
);

-- Every transition, written in the same transaction as the status change.
CREATE TABLE order_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  order_id uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  from_status text,
  to_status text NOT NULL,
  reason text,
  occurred_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX order_events_order ON order_events (order_id, id);

-- Checkout idempotency keys (Stripe semantics), scoped per user.
CREATE TABLE idempotency_keys (
  user_id uuid NOT NULL,
  key text NOT NULL,
  fingerprint text NOT NULL,
  state text NOT NULL CHECK (state IN ('in_flight', 'done')),
  order_id uuid,
  response_status integer,
  response_body jsonb,
  -- An in-flight holder that crashed loses the key once this passes; a retry takes over.
  locked_until timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);

CREATE TABLE outbox (
  id uuid PRIMARY KEY, topic text NOT NULL, type text NOT NULL, version integer NOT NULL DEFAULT 1,
  key text NOT NULL, envelope jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), published_at timestamptz
);
CREATE INDEX outbox_unpublished ON outbox (created_at, id) WHERE published_at IS NULL;
-- Per-key ordering of created_at (see src/app/outbox.ts).
CREATE INDEX outbox_key_created ON outbox (key, created_at);
