-- Up Migration
CREATE TABLE tw_alert_store (
  id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  -- Names this store's pub/sub channel, so instances that share a store (and only those) share events.
  store_id uuid NOT NULL DEFAULT gen_random_uuid(),
  created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO tw_alert_store DEFAULT VALUES;

CREATE TABLE tw_alerts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  fingerprint text NOT NULL,
  starts_at timestamptz NOT NULL,
  status text NOT NULL CHECK (status IN ('firing', 'resolved')),
  severity text NOT NULL,
  alertname text NOT NULL,
  labels jsonb NOT NULL,
  annotations jsonb NOT NULL,
  ends_at timestamptz,
  generator_url text,
  source text NOT NULL CHECK (source IN ('alertmanager', 'tovwatch')),
  ack_by text,
  ack_at timestamptz,
  ack_note text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT tw_alerts_identity UNIQUE (fingerprint, starts_at)
);
CREATE INDEX tw_alerts_firing ON tw_alerts (severity) WHERE status = 'firing';
CREATE INDEX tw_alerts_updated ON tw_alerts (updated_at DESC, id DESC);
CREATE INDEX tw_alerts_labels ON tw_alerts USING gin (labels jsonb_path_ops);

-- Append-only: one row per change a client must see, in commit order (writers serialize on an advisory lock).
CREATE TABLE tw_alert_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  alert_id bigint NOT NULL,
  kind text NOT NULL CHECK (kind IN ('firing', 'resolved', 'ack', 'updated')),
  at timestamptz NOT NULL DEFAULT now(),
  alert jsonb NOT NULL
);
CREATE INDEX tw_alert_events_at ON tw_alert_events (at);

-- Who sent what last, so several instances share one repeat interval per notifier.
CREATE TABLE tw_alert_notifications (
  fingerprint text NOT NULL,
  status text NOT NULL,
  notifier text NOT NULL,
  sent_at timestamptz NOT NULL,
  PRIMARY KEY (fingerprint, status, notifier)
);

-- Down Migration
DROP TABLE tw_alert_notifications;
DROP TABLE tw_alert_events;
DROP TABLE tw_alerts;
DROP TABLE tw_alert_store;
