-- Up Migration
-- The error lifecycle in TovWatch's own store, keyed by a group's stable fingerprint
-- (errors/fingerprint.ts): first and last seen ever, resolved, regressed, muted, and
-- whether the new-group alert was raised. Kept across restarts.
CREATE TABLE IF NOT EXISTS tw_error_groups (
  fingerprint text PRIMARY KEY,
  first_seen timestamptz NOT NULL,
  last_seen timestamptz NOT NULL,
  severity text NOT NULL,
  template text NOT NULL,
  resolved_at timestamptz,
  resolved_by text,
  regressed_at timestamptz,
  muted_at timestamptz,
  muted_by text,
  muted_until timestamptz,
  muted_forever boolean NOT NULL DEFAULT false,
  alerted_at timestamptz,
  actions integer NOT NULL DEFAULT 0
);
COMMENT ON COLUMN tw_error_groups.regressed_at IS 'when it was seen again after being resolved; cleared by the next resolve';
COMMENT ON COLUMN tw_error_groups.actions IS 'audit rows of this group, so the feed reads the trail only of groups that have one';

-- Who did what to a group, and when (the lifecycle's own transitions by "tovwatch").
CREATE TABLE IF NOT EXISTS tw_error_group_audit (
  id bigserial PRIMARY KEY,
  fingerprint text NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  actor text NOT NULL,
  action text NOT NULL,
  detail text NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS tw_error_group_audit_fp ON tw_error_group_audit (fingerprint, at DESC);

-- Down Migration
DROP TABLE IF EXISTS tw_error_group_audit;
DROP TABLE IF EXISTS tw_error_groups;
