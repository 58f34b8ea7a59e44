-- The analytics service's own figures, folded from the order events, and the
-- inbox that makes each event count once. Minutes are UTC minute starts of the
-- event's occurredAt (event time, not processing time: a replay or a consumer
-- catching up after an outage puts each event in the minute it happened).

CREATE TABLE orders_per_minute (
  minute timestamptz PRIMARY KEY,
  placed integer NOT NULL DEFAULT 0 CHECK (placed >= 0),
  confirmed integer NOT NULL DEFAULT 0 CHECK (confirmed >= 0)
);

-- Revenue by the minute it was earned (confirmed) or given back (refunded).
CREATE TABLE revenue_per_minute (
  minute timestamptz NOT NULL,
  currency char(3) NOT NULL,
  confirmed_minor bigint NOT NULL DEFAULT 0 CHECK (confirmed_minor >= 0),
  refunded_minor bigint NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0),
  PRIMARY KEY (minute, currency)
);

-- Every confirmed order once: a refund counts against revenue only for an
-- order whose revenue was counted, and a full refund takes its lines back out
-- of the product figures.
CREATE TABLE confirmed_orders (
  order_id text PRIMARY KEY,
  currency char(3) NOT NULL,
  total_minor bigint NOT NULL CHECK (total_minor >= 0),
  -- [{productId, name, quantity, revenueMinor}]
  lines jsonb NOT NULL,
  refunded_minor bigint NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0),
  lines_refunded boolean NOT NULL DEFAULT false,
  confirmed_minute timestamptz NOT NULL
);

CREATE TABLE product_sales (
  product_id text NOT NULL,
  currency char(3) NOT NULL,
  -- The name at the latest confirmed sale.
  name text,
  units bigint NOT NULL DEFAULT 0,
  revenue_minor bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (product_id, currency)
);
CREATE INDEX product_sales_units ON product_sales (units DESC, product_id);
CREATE INDEX product_sales_revenue ON product_sales (revenue_minor DESC, product_id);

-- Event ids already handled: the inbox that makes each effect happen once.
CREATE TABLE processed_events (
  event_id uuid PRIMARY KEY,
  processed_at timestamptz NOT NULL DEFAULT now()
);
