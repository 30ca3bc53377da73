-- Up Migration
-- Alerts that could not be stored as sent (an impossible date, over a limit, refused by the store),
-- with the alert as sent and why. One row per distinct (reason, alert): a redelivery of the same
-- webhook counts again instead of adding a row.
CREATE TABLE tw_alert_dead_letters (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  digest text NOT NULL UNIQUE,
  reason text NOT NULL,
  message text NOT NULL,
  fingerprint text,
  alertname text,
  -- The alert as sent, as JSON text: \u0000 and lone surrogates stay escaped, which jsonb would refuse.
  raw text NOT NULL,
  received_count integer NOT NULL DEFAULT 1,
  first_received_at timestamptz NOT NULL DEFAULT now(),
  last_received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tw_alert_dead_letters_last ON tw_alert_dead_letters (last_received_at DESC, id DESC);

-- Down Migration
DROP TABLE tw_alert_dead_letters;
