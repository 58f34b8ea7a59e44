-- Access-token signing keys, shared by every instance. The signing key is the
-- newest one with no retires_at; a key with retires_at in the future is still
-- published in the JWKS so the tokens it signed keep verifying until they expire.
CREATE TABLE signing_keys (
  kid text PRIMARY KEY,
  public_jwk jsonb NOT NULL,
  private_jwk jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  retires_at timestamptz
);
CREATE INDEX signing_keys_published ON signing_keys (retires_at, created_at);

-- A refresh-token family is one login; every refresh rotates the token within it.
-- Reuse of a spent token revokes the whole family.
CREATE TABLE refresh_families (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL,
  revoked_at timestamptz
);
CREATE INDEX refresh_families_user ON refresh_families (user_id);

-- Only the SHA-256 of a refresh token is stored, never the token.
CREATE TABLE refresh_tokens (
  token_hash bytea PRIMARY KEY,
  family_id uuid NOT NULL REFERENCES refresh_families (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);

-- Login throttling counters, per account (normalised email) and per client address.
CREATE TABLE login_throttle (
  scope text NOT NULL CHECK (scope IN ('account', 'ip')),
  subject text NOT NULL,
  failures integer NOT NULL DEFAULT 0,
  window_started_at timestamptz NOT NULL,
  locked_until timestamptz,
  lockouts integer NOT NULL DEFAULT 0,
  PRIMARY KEY (scope, subject)
);
