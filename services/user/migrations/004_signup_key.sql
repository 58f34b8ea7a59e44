-- A sign-up may carry an Idempotency-Key, as every POST from the shop's clients
-- does: a retry of one that already created its account (the answer was lost
-- with a killed instance, or the mesh retried it) replays the account instead
-- of refusing the email as taken.
ALTER TABLE users ADD COLUMN signup_key text;
