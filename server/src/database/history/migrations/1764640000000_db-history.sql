-- Up Migration
-- The database watch's history in TovWatch's own store: row counts per table and
-- connection counts, so charts and changes survive a restart. One row per series and
-- bucket (an hour of every probe, or a day of 5-minute points) holding two arrays,
-- which keeps 50 tables x 30 days at a few MB and a 30-day read at ~30 rows.
CREATE TABLE IF NOT EXISTS db_history (
  ns text NOT NULL,
  res integer NOT NULL,
  series text NOT NULL,
  bucket bigint NOT NULL,
  ts integer[] NOT NULL,
  vals bigint[] NOT NULL,
  PRIMARY KEY (ns, res, series, bucket)
);
COMMENT ON COLUMN db_history.res IS '0: every probe (hour buckets); 300: last probe of each 5 minutes (day buckets)';
COMMENT ON COLUMN db_history.ts IS 'milliseconds since the bucket start';

-- Down Migration
DROP TABLE IF EXISTS db_history;
