import type { MigrationBuilder } from 'node-pg-migrate'

/**
 * Safety rule in the database too: a session request or a session needs an accepted
 * friendship between its two players, whoever writes the row. The service checks first
 * (with a row lock) to give a clear answer; this catches everything else.
 */
export async function up (pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
CREATE FUNCTION tovplay_friends_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM friendships
      WHERE least(requester_id, addressee_id) = least(NEW.organizer_id, NEW.invitee_id)
        AND greatest(requester_id, addressee_id) = greatest(NEW.organizer_id, NEW.invitee_id)
        AND status = 'accepted') THEN
    RAISE EXCEPTION 'players % and % are not friends', NEW.organizer_id, NEW.invitee_id
      USING ERRCODE = 'check_violation', CONSTRAINT = TG_TABLE_NAME || '_friends_only';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER session_requests_friends_only BEFORE INSERT ON session_requests FOR EACH ROW EXECUTE FUNCTION tovplay_friends_only();
CREATE TRIGGER sessions_friends_only BEFORE INSERT ON sessions FOR EACH ROW EXECUTE FUNCTION tovplay_friends_only();
`)
}
