-- Up Migration
-- An acknowledgement may be for a while only ("I am on it for an hour"): past ack_until it no
-- longer counts. It also ends with the incident: a resolved alert is not acknowledged.
ALTER TABLE tw_alerts ADD COLUMN ack_until timestamptz;

-- Down Migration
ALTER TABLE tw_alerts DROP COLUMN ack_until;
