-- Search (full-text with weights, plus trigrams for typos), stock reservations
-- for the order saga, and the transactional outbox.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Name weighs most, then brand, then description (A > B > C in ts_rank).
-- Trigram indexes on name and brand let a misspelt word still match.
ALTER TABLE products ADD COLUMN search tsvector GENERATED ALWAYS AS (
  setweight(to_tsvector('english', name), 'A') ||
  setweight(to_tsvector('english', brand), 'B') ||
  setweight(to_tsvector('english', description), 'C')
) STORED;

CREATE INDEX products_search ON products USING gin (search);
CREATE INDEX products_name_trgm ON products USING gin (name gin_trgm_ops);
CREATE INDEX products_brand_trgm ON products USING gin (brand gin_trgm_ops);
CREATE INDEX products_category ON products (category, brand);
CREATE INDEX products_price ON products (price_minor, id);
CREATE INDEX products_newest ON products (created_at DESC, id);
CREATE INDEX products_name ON products (name, id);

ALTER TABLE products ADD CONSTRAINT products_currency CHECK (currency ~ '^[A-Z]{3}$');

-- A reservation holds stock for an order until it is committed (sold) or
-- released (cancelled, or expired and swept). It never goes back to held.
CREATE TABLE reservations (
  id uuid PRIMARY KEY,
  status text NOT NULL CHECK (status IN ('held', 'committed', 'released')),
  release_reason text CHECK (release_reason IN ('requested', 'expired')),
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((status = 'released') = (release_reason IS NOT NULL))
);
CREATE INDEX reservations_expiring ON reservations (expires_at) WHERE status = 'held';

-- Lines snapshot name and price at reservation time; no foreign key to
-- products, so history survives a product's deletion.
CREATE TABLE reservation_items (
  reservation_id uuid NOT NULL REFERENCES reservations (id) ON DELETE CASCADE,
  product_id uuid NOT NULL,
  sku text NOT NULL,
  name text NOT NULL,
  quantity integer NOT NULL CHECK (quantity BETWEEN 1 AND 100),
  unit_price_minor bigint NOT NULL CHECK (unit_price_minor >= 0),
  currency char(3) NOT NULL,
  PRIMARY KEY (reservation_id, product_id)
);

CREATE TABLE outbox (
  id uuid PRIMARY KEY, topic text NOT NULL, type text NOT NULL, version integer NOT NULL DEFAULT 1,
  key text NOT NULL, envelope jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), published_at timestamptz
);
CREATE INDEX outbox_unpublished ON outbox (created_at, id) WHERE published_at IS NULL;
