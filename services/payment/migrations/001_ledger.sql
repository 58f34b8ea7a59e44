-- One row per charge, keyed by the caller's Idempotency-Key. The row is written
-- 'pending' before the provider is called, so a crash or timeout after the card
-- was charged still leaves a record the reconciler can settle.
CREATE TABLE payments (
  id uuid PRIMARY KEY,
  order_id uuid NOT NULL,
  user_id uuid NOT NULL,
  idempotency_key text NOT NULL UNIQUE,
  request_fingerprint text NOT NULL,
  amount_minor bigint NOT NULL CHECK (amount_minor > 0),
  currency char(3) NOT NULL,
  payment_method text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'declined', 'failed')),
  decline_code text,
  provider_ref text,
  refunded_minor bigint NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0 AND refunded_minor <= amount_minor),
  -- Lease of the request (or reconciler) working on a pending payment: while it
  -- is in the future a repeat is answered 409; a crashed holder loses it when it passes.
  locked_until timestamptz,
  correlation_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payments_pending ON payments (created_at) WHERE status = 'pending';
CREATE INDEX payments_order ON payments (order_id);

CREATE TABLE refunds (
  id uuid PRIMARY KEY,
  payment_id uuid NOT NULL REFERENCES payments (id),
  idempotency_key text NOT NULL UNIQUE,
  request_fingerprint text NOT NULL,
  amount_minor bigint NOT NULL CHECK (amount_minor > 0),
  status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
  provider_ref text,
  locked_until timestamptz,
  correlation_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refunds_pending ON refunds (created_at) WHERE status = 'pending';
CREATE INDEX refunds_payment ON refunds (payment_id);

-- Append-only: every attempt and result, never updated or deleted (the trigger refuses).
CREATE TABLE ledger_entries (
  id bigserial PRIMARY KEY,
  payment_id uuid NOT NULL REFERENCES payments (id),
  refund_id uuid REFERENCES refunds (id),
  order_id uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN (
    'attempt_started', 'provider_succeeded', 'provider_declined', 'provider_error', 'outcome_unknown',
    'reconciled_succeeded', 'reconciled_declined', 'reconciled_not_found',
    'refund_started', 'refund_succeeded', 'refund_failed', 'refund_outcome_unknown',
    'refund_reconciled_succeeded', 'refund_reconciled_not_found'
  )),
  amount_minor bigint NOT NULL,
  currency char(3) NOT NULL,
  detail jsonb NOT NULL DEFAULT '{}'::jsonb,
  recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_entries_order ON ledger_entries (order_id, id);

CREATE FUNCTION ledger_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger_entries is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER ledger_entries_no_update_delete BEFORE UPDATE OR DELETE ON ledger_entries
  FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only();
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_append_only();

CREATE TABLE outbox (
  id uuid PRIMARY KEY, topic text NOT NULL, type text NOT NULL, version integer NOT NULL DEFAULT 1,
  key text NOT NULL, envelope jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), published_at timestamptz
);
CREATE INDEX outbox_unpublished ON outbox (created_at, id) WHERE published_at IS NULL;
