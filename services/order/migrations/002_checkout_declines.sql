-- The card-testing limit (issue 13, src/domain/declineLimit.ts): declined
-- payments per user and per client address over a sliding window.

-- The address the checkout came from, as addressKey() gives it (an IPv4
-- address, or an IPv6 /64); null when unknown. Kept with the order so that a
-- saga driven on by recovery, on any instance, still knows it when the
-- payment is declined.
ALTER TABLE orders ADD COLUMN client_address text;

-- One row per order whose payment was declined, written in the transaction
-- that records the decline; rows older than the window are purged.
CREATE TABLE checkout_declines (
  order_id uuid PRIMARY KEY REFERENCES orders (id) ON DELETE CASCADE,
  user_id uuid NOT NULL,
  client_address text,
  declined_at timestamptz NOT NULL
);
CREATE INDEX checkout_declines_user ON checkout_declines (user_id, declined_at DESC);
CREATE INDEX checkout_declines_address ON checkout_declines (client_address, declined_at DESC) WHERE client_address IS NOT NULL;
CREATE INDEX checkout_declines_age ON checkout_declines (declined_at);
