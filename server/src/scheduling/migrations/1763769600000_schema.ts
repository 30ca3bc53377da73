import type { MigrationBuilder } from 'node-pg-migrate'

/**
 * The scheduling core's tables. Rules live here, not only in the service, so that
 * a race, a bug or a hand-written query cannot break them:
 * - friendships are unique per unordered pair;
 * - durations are 15 min..8 h (CHECK), a new request or session starts in the future (trigger:
 *   a CHECK with now() would make old rows fail on restore);
 * - no player is in two overlapping scheduled sessions (exclusion constraint on
 *   session_participants, kept in step with sessions by triggers).
 */
export async function up (pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- A zone PostgreSQL can use (the service also checks it is an IANA name, with luxon and
-- pg_timezone_names). Not a pg_timezone_names lookup here: that scans every zone file, per row.
CREATE FUNCTION tovplay_valid_zone(z text) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
  PERFORM now() AT TIME ZONE z;
  RETURN z ~ '^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$';
EXCEPTION WHEN invalid_parameter_value THEN
  RETURN false;
END $$;

CREATE TABLE players (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  display_name text NOT NULL CHECK (char_length(display_name) BETWEEN 1 AND 100),
  time_zone text NOT NULL CHECK (tovplay_valid_zone(time_zone)),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE games (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX games_name_key ON games (lower(name));

CREATE TABLE player_games (
  player_id uuid NOT NULL REFERENCES players (id) ON DELETE CASCADE,
  game_id uuid NOT NULL REFERENCES games (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (player_id, game_id)
);

CREATE TABLE friendships (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  requester_id uuid NOT NULL REFERENCES players (id) ON DELETE CASCADE,
  addressee_id uuid NOT NULL REFERENCES players (id) ON DELETE CASCADE,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'declined')),
  created_at timestamptz NOT NULL DEFAULT now(),
  responded_at timestamptz,
  CONSTRAINT friendships_not_self CHECK (requester_id <> addressee_id)
);
CREATE UNIQUE INDEX friendships_pair_key ON friendships (least(requester_id, addressee_id), greatest(requester_id, addressee_id));
CREATE INDEX friendships_addressee_idx ON friendships (addressee_id);

CREATE TABLE availability_windows (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  player_id uuid NOT NULL REFERENCES players (id) ON DELETE CASCADE,
  day_of_week smallint NOT NULL CHECK (day_of_week BETWEEN 1 AND 7),
  start_time time NOT NULL,
  end_time time NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT availability_windows_order CHECK (start_time < end_time)
);
CREATE INDEX availability_windows_player_idx ON availability_windows (player_id);

CREATE TABLE availability_exceptions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  player_id uuid NOT NULL REFERENCES players (id) ON DELETE CASCADE,
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL,
  kind text NOT NULL CHECK (kind IN ('available', 'unavailable')),
  note text NOT NULL DEFAULT '' CHECK (char_length(note) <= 500),
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT availability_exceptions_order CHECK (starts_at < ends_at)
);
CREATE INDEX availability_exceptions_player_idx ON availability_exceptions (player_id, ends_at);

CREATE TABLE session_requests (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organizer_id uuid NOT NULL REFERENCES players (id),
  invitee_id uuid NOT NULL REFERENCES players (id),
  game_id uuid NOT NULL REFERENCES games (id),
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL,
  message text NOT NULL DEFAULT '' CHECK (char_length(message) <= 2000),
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'declined', 'cancelled', 'expired')),
  session_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  responded_at timestamptz,
  CONSTRAINT session_requests_not_self CHECK (organizer_id <> invitee_id),
  CONSTRAINT session_requests_duration CHECK (ends_at - starts_at BETWEEN interval '15 minutes' AND interval '8 hours')
);
CREATE INDEX session_requests_organizer_idx ON session_requests (organizer_id, starts_at);
CREATE INDEX session_requests_invitee_idx ON session_requests (invitee_id, starts_at);
CREATE INDEX session_requests_pending_idx ON session_requests (starts_at) WHERE status = 'pending';

CREATE TABLE sessions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  request_id uuid NOT NULL UNIQUE REFERENCES session_requests (id),
  organizer_id uuid NOT NULL REFERENCES players (id),
  invitee_id uuid NOT NULL REFERENCES players (id),
  game_id uuid NOT NULL REFERENCES games (id),
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL,
  status text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled', 'completed')),
  cancel_reason text CHECK (char_length(cancel_reason) BETWEEN 1 AND 2000),
  cancelled_by uuid REFERENCES players (id),
  cancelled_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT sessions_not_self CHECK (organizer_id <> invitee_id),
  CONSTRAINT sessions_duration CHECK (ends_at - starts_at BETWEEN interval '15 minutes' AND interval '8 hours'),
  CONSTRAINT sessions_cancel_reason CHECK ((status = 'cancelled') = (cancel_reason IS NOT NULL))
);
CREATE INDEX sessions_starts_idx ON sessions (starts_at);
ALTER TABLE session_requests ADD CONSTRAINT session_requests_session_fk FOREIGN KEY (session_id) REFERENCES sessions (id) DEFERRABLE INITIALLY DEFERRED;

-- One row per player and session, so "no player in two overlapping sessions" is one
-- exclusion constraint whether the player organizes or is invited.
CREATE TABLE session_participants (
  session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  player_id uuid NOT NULL REFERENCES players (id),
  during tstzrange NOT NULL,
  status text NOT NULL,
  PRIMARY KEY (session_id, player_id),
  CONSTRAINT session_participants_no_overlap EXCLUDE USING gist (player_id WITH =, during WITH &&) WHERE (status = 'scheduled')
);

CREATE FUNCTION tovplay_future_start() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.starts_at <= now() THEN
    RAISE EXCEPTION 'the start % is not in the future', NEW.starts_at
      USING ERRCODE = 'check_violation', CONSTRAINT = TG_TABLE_NAME || '_future_start';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER session_requests_future_start BEFORE INSERT ON session_requests FOR EACH ROW EXECUTE FUNCTION tovplay_future_start();
CREATE TRIGGER sessions_future_start BEFORE INSERT ON sessions FOR EACH ROW EXECUTE FUNCTION tovplay_future_start();

CREATE FUNCTION tovplay_session_participants() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO session_participants (session_id, player_id, during, status) VALUES
      (NEW.id, NEW.organizer_id, tstzrange(NEW.starts_at, NEW.ends_at, '[)'), NEW.status),
      (NEW.id, NEW.invitee_id, tstzrange(NEW.starts_at, NEW.ends_at, '[)'), NEW.status);
  ELSIF NEW.status IS DISTINCT FROM OLD.status OR NEW.starts_at IS DISTINCT FROM OLD.starts_at OR NEW.ends_at IS DISTINCT FROM OLD.ends_at THEN
    UPDATE session_participants SET status = NEW.status, during = tstzrange(NEW.starts_at, NEW.ends_at, '[)') WHERE session_id = NEW.id;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER sessions_participants AFTER INSERT OR UPDATE ON sessions FOR EACH ROW EXECUTE FUNCTION tovplay_session_participants();

CREATE TABLE audit_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT clock_timestamp(),
  actor text NOT NULL,
  action text NOT NULL,
  entity text NOT NULL,
  entity_id text NOT NULL,
  before jsonb,
  after jsonb,
  request_id text
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id);
CREATE INDEX audit_log_request_idx ON audit_log (request_id);

CREATE TABLE api_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  player_id uuid NOT NULL REFERENCES players (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
  lookup text NOT NULL UNIQUE,
  token_hash bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  last_used_at timestamptz
);
CREATE INDEX api_tokens_player_idx ON api_tokens (player_id);

CREATE TABLE idempotency_keys (
  caller text NOT NULL,
  key text NOT NULL CHECK (char_length(key) BETWEEN 1 AND 200),
  method text NOT NULL,
  path text NOT NULL,
  request_hash text NOT NULL,
  status_code integer,
  response jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (caller, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
`)
}
