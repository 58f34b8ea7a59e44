-- Login throttling no longer locks an account for everyone (issue 13): an
-- account's hard lock is per (account, client address), scope 'account_ip';
-- scope 'account' now only counts failures from all addresses for a
-- progressive delay. Locks set under the old rule are lifted.
ALTER TABLE login_throttle DROP CONSTRAINT login_throttle_scope_check;
ALTER TABLE login_throttle ADD CONSTRAINT login_throttle_scope_check CHECK (scope IN ('account', 'ip', 'account_ip'));
UPDATE login_throttle SET locked_until = NULL, lockouts = 0 WHERE scope = 'account';

-- Sign-ups per client address per window, shared by every instance: bounds
-- accounts made, and welcome emails sent to addresses typed in, per client.
CREATE TABLE signup_throttle (
  address text PRIMARY KEY,
  signups integer NOT NULL DEFAULT 0,
  window_started_at timestamptz NOT NULL
);
