-- Up Migration
-- True when the row's last write changed only figures in an internal alert's text (a count, a
-- percentage): the row holds the new text, but no event is written or pushed to clients for it.
ALTER TABLE tw_alerts ADD COLUMN quiet boolean NOT NULL DEFAULT false;

-- Down Migration
ALTER TABLE tw_alerts DROP COLUMN quiet;
