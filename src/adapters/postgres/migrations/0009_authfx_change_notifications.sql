-- authfx migration authfx_change_notifications: every change to a ledger entry, a database session or a user
-- is announced with NOTIFY, so that nodes can keep caches of them (src/adapters/postgres/PostgresChanges.ts).
--
-- Triggers rather than the adapters' statements: a row changed by any path (a cascade from a deleted user,
-- a sweep, an operator's psql) is announced too, and in the same transaction as the change — PostgreSQL
-- delivers a notification when, and only when, its transaction commits, in commit order.
--
-- One channel per schema, `authfx:<schema>` (cut to the 63 bytes a channel name may have), so that schemas
-- sharing a database do not wake each other's nodes. Payloads: `l<key>` for a ledger entry, `s<token hash>`
-- for a session (the SHA-256 of its token: a cookie cannot be made from it), `u<user id>` for a user.
-- A row's old and new key are both announced (they are the same but for an edited key); PostgreSQL folds
-- identical notifications of one transaction into one.
CREATE FUNCTION authfx_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  channel TEXT := left('authfx:' || TG_TABLE_SCHEMA, 63);
BEGIN
  IF TG_TABLE_NAME = 'authfx_ledger' THEN
    IF TG_OP <> 'INSERT' THEN PERFORM pg_notify(channel, 'l' || OLD.key); END IF;
    IF TG_OP <> 'DELETE' THEN PERFORM pg_notify(channel, 'l' || NEW.key); END IF;
  ELSIF TG_TABLE_NAME = 'sessions' THEN
    IF TG_OP <> 'INSERT' THEN PERFORM pg_notify(channel, 's' || OLD."sessionToken"); END IF;
    IF TG_OP <> 'DELETE' THEN PERFORM pg_notify(channel, 's' || NEW."sessionToken"); END IF;
  ELSIF TG_TABLE_NAME = 'users' THEN
    PERFORM pg_notify(channel, 'u' || OLD.id);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER authfx_ledger_notify AFTER INSERT OR UPDATE OR DELETE ON authfx_ledger
  FOR EACH ROW EXECUTE FUNCTION authfx_notify_change();
CREATE TRIGGER authfx_sessions_notify AFTER INSERT OR UPDATE OR DELETE ON sessions
  FOR EACH ROW EXECUTE FUNCTION authfx_notify_change();
-- A new user changes no cached session: only updates and deletions are announced.
CREATE TRIGGER authfx_users_notify AFTER UPDATE OR DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION authfx_notify_change();
