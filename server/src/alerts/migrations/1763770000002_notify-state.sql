-- Up Migration
-- The repeat-interval lock, now one row per (fingerprint, notifier): the last status sent and when.
-- A change of status (firing → resolved → firing) is always sent; the interval only holds back the
-- same status again. `twin` marks a status that was not sent because TovWatch's own alert for the
-- same condition was firing (so its resolve is not sent either).
CREATE TABLE tw_alert_notify_state (
  fingerprint text NOT NULL,
  notifier text NOT NULL,
  status text NOT NULL,
  sent_at timestamptz NOT NULL,
  twin boolean NOT NULL DEFAULT false,
  PRIMARY KEY (fingerprint, notifier)
);
INSERT INTO tw_alert_notify_state (fingerprint, notifier, status, sent_at)
SELECT DISTINCT ON (fingerprint, notifier) fingerprint, notifier, status, sent_at
FROM tw_alert_notifications ORDER BY fingerprint, notifier, sent_at DESC;
DROP TABLE tw_alert_notifications;

-- Down Migration
CREATE TABLE tw_alert_notifications (
  fingerprint text NOT NULL,
  status text NOT NULL,
  notifier text NOT NULL,
  sent_at timestamptz NOT NULL,
  PRIMARY KEY (fingerprint, status, notifier)
);
INSERT INTO tw_alert_notifications (fingerprint, status, notifier, sent_at)
SELECT fingerprint, status, notifier, sent_at FROM tw_alert_notify_state;
DROP TABLE tw_alert_notify_state;
