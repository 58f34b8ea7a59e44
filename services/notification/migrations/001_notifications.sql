-- In-app notifications, the emails they carry, and the inbox of handled events.
CREATE TABLE notifications (
  -- UUIDv7: ids sort by creation, which the newest-first cursor relies on.
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL,
  -- The event this notification is the effect of: one per event, ever.
  event_id uuid NOT NULL UNIQUE,
  kind text NOT NULL,
  title text NOT NULL,
  body text NOT NULL,
  data jsonb NOT NULL DEFAULT '{}',
  -- The email to send, if any. Sent after the handler's transaction commits;
  -- email_sent_at marks it done (see app/dispatchEmails.ts for the guarantee).
  email_to text,
  email_subject text,
  email_text text,
  email_message_id text,
  email_sent_at timestamptz,
  email_attempts integer NOT NULL DEFAULT 0,
  email_next_attempt_at timestamptz NOT NULL DEFAULT now(),
  email_error text,
  read_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notifications_user_newest ON notifications (user_id, id DESC);
CREATE INDEX notifications_email_pending ON notifications (email_next_attempt_at) WHERE email_sent_at IS NULL AND email_to IS NOT NULL;

-- Event ids already handled: the inbox that makes each effect happen once.
CREATE TABLE processed_events (
  event_id uuid PRIMARY KEY,
  processed_at timestamptz NOT NULL DEFAULT now()
);
