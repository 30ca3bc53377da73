-- Up Migration
-- The status a row had before its last update, set by the upsert itself: the event kind
-- (firing, resolved or updated) then never depends on a snapshot taken before the writer lock.
ALTER TABLE tw_alerts ADD COLUMN previous_status text;

-- Down Migration
ALTER TABLE tw_alerts DROP COLUMN previous_status;
