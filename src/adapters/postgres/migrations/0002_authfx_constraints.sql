-- authfx migration 0002: what authfx adds to Auth.js's tables. Auth.js's schema has no unique constraints,
-- no foreign keys and no index on the session token; authfx's guarantees (one user per e-mail address, one
-- owner per provider account, deleting a user deletes their accounts and sessions) rest on them.
--
-- Existing rows are checked before each constraint is added. The only rows changed are ones whose meaning
-- does not change: e-mail addresses are normalised the way authfx normalises every address it looks up
-- (src/domain/normalizeEmail.ts: trimmed, NFC, A-Z lower-cased and nothing else; '' becomes NULL), and
-- sessions of users that no longer exist are deleted (Auth.js never answers them either). Anything else
-- that breaks a new rule stops the migration with a message that says what, how many, and how to find the
-- rows; nothing is applied until it passes.
--
-- This text was corrected after release: it normalised with NFKC and full Unicode lower case, which made
-- look-alike mailboxes one (KELVIN SIGN + ate became kate). migrate.ts accepts the earlier text's checksum,
-- so a database that applied it migrates on; the README says what that earlier run did to addresses.

-- Columns authfx reads, with the types it expects. A NextAuth v3 or hand-made schema is refused here with a
-- message, rather than later with "column does not exist".
DO $$
DECLARE
  expected CONSTANT text[] := ARRAY[
    'users.id', 'users.name', 'users.email', 'users.emailVerified', 'users.image',
    'accounts.id', 'accounts.userId', 'accounts.type', 'accounts.provider', 'accounts.providerAccountId',
    'accounts.refresh_token', 'accounts.access_token', 'accounts.expires_at', 'accounts.id_token',
    'accounts.scope', 'accounts.session_state', 'accounts.token_type',
    'sessions.id', 'sessions.userId', 'sessions.expires', 'sessions.sessionToken',
    'verification_token.identifier', 'verification_token.expires', 'verification_token.token'];
  integers CONSTANT text[] := ARRAY['users.id', 'accounts.userId', 'sessions.userId', 'accounts.expires_at'];
  qualified text;
  kind text;
  missing text[] := '{}';
  wrong text[] := '{}';
BEGIN
  FOREACH qualified IN ARRAY expected LOOP
    SELECT format_type(a.atttypid, NULL) INTO kind
    FROM pg_attribute a
    WHERE a.attrelid = to_regclass(split_part(qualified, '.', 1))
      AND a.attname = split_part(qualified, '.', 2) AND a.attnum > 0 AND NOT a.attisdropped;
    IF kind IS NULL THEN
      missing := missing || qualified;
    ELSIF qualified = ANY (integers) AND kind NOT IN ('integer', 'bigint') THEN
      wrong := wrong || format('%s is %s', qualified, kind);
    END IF;
  END LOOP;
  IF cardinality(missing) > 0 THEN
    RAISE EXCEPTION 'authfx migration 0002: these are not the tables of Auth.js''s PostgreSQL adapter; missing columns: %',
      array_to_string(missing, ', ')
      USING HINT = 'authfx upgrades databases created with @auth/pg-adapter''s schema.sql (or by authfx itself).';
  END IF;
  IF cardinality(wrong) > 0 THEN
    RAISE EXCEPTION 'authfx migration 0002: authfx expects integer ids as @auth/pg-adapter creates them, but %',
      array_to_string(wrong, ', ');
  END IF;
END $$;

-- Auth.js's VARCHAR(255) is shorter than a legal address (320) and than some providers' display names.
-- Widening varchar to text rewrites nothing. A view over the columns forbids it; then they stay as they are.
DO $$
BEGIN
  ALTER TABLE users ALTER COLUMN name TYPE TEXT, ALTER COLUMN email TYPE TEXT;
EXCEPTION WHEN feature_not_supported OR dependent_objects_still_exist THEN
  RAISE NOTICE 'authfx migration 0002: users.name and users.email keep their type (a view depends on them)';
END $$;

-- The key of an address, as SQL text run with EXECUTE: Unicode escapes make a statement fail to parse in a
-- database that is not UTF8, and normalize() fails there when it runs. Trimmed of what JavaScript's trim()
-- removes (in UTF8; ASCII white space otherwise). Addresses holding one of the three code points NFC maps
-- onto ASCII (GREEK QUESTION MARK, GREEK VARIA, KELVIN SIGN) are refused by normalizeEmail, so no lookup
-- finds them: they are left as they are rather than folded onto an ASCII address.
DO $$
DECLARE
  utf8 CONSTANT boolean := current_setting('server_encoding') = 'UTF8';
  trimmed CONSTANT text := CASE WHEN utf8
    THEN $sql$btrim(email, U&'\0009\000A\000B\000C\000D\0020\00A0\1680\2000\2001\2002\2003\2004\2005\2006\2007\2008\2009\200A\2028\2029\202F\205F\3000\FEFF')$sql$
    ELSE $sql$btrim(email, E' \t\n\r\f\013')$sql$ END;
  lowered CONSTANT text := $sql$translate(%s, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')$sql$;
  normal CONSTANT text := CASE WHEN utf8
    THEN format('normalize(%s, NFC)', format(lowered, format('normalize(%s, NFC)', trimmed)))
    ELSE format(lowered, trimmed) END;
  refused CONSTANT text := CASE WHEN utf8 THEN $sql$email ~ U&'[\037E\1FEF\212A]'$sql$ ELSE 'false' END;
  keyed CONSTANT text := format('CASE WHEN %s THEN email ELSE %s END', refused, normal);
  clashes bigint;
  changed bigint;
BEGIN
  EXECUTE format('UPDATE users SET email = NULL WHERE %s = %L', trimmed, '');
  GET DIAGNOSTICS changed = ROW_COUNT;
  IF changed > 0 THEN
    RAISE NOTICE 'authfx migration 0002: % users had an empty e-mail address; it is now NULL', changed;
  END IF;

  EXECUTE format('SELECT count(*) FROM (SELECT 1 FROM users WHERE email IS NOT NULL GROUP BY %s HAVING count(*) > 1) shared', keyed)
    INTO clashes;
  IF clashes > 0 THEN
    RAISE EXCEPTION 'authfx migration 0002: % e-mail addresses are each held by more than one user (ignoring ASCII case). authfx keeps one user per address: merge or delete the duplicate users, then migrate again.', clashes
      USING HINT = format('Find them with: SELECT %s AS address, array_agg(id) AS users FROM users WHERE email IS NOT NULL GROUP BY 1 HAVING count(*) > 1;', keyed);
  END IF;

  EXECUTE format('UPDATE users SET email = %1$s WHERE email IS DISTINCT FROM %1$s', keyed);
  GET DIAGNOSTICS changed = ROW_COUNT;
  IF changed > 0 THEN
    RAISE NOTICE 'authfx migration 0002: normalised the e-mail address of % users (trimmed, NFC, A-Z lower-cased)', changed;
  END IF;
  EXECUTE format('SELECT count(*) FROM users WHERE %s', refused) INTO changed;
  IF changed > 0 THEN
    RAISE NOTICE 'authfx migration 0002: % users have an address with a character NFC turns into ASCII (KELVIN SIGN, ...); authfx refuses such addresses, so these users sign in only through their accounts', changed;
  END IF;

  -- A hand-made UNIQUE (email) on Auth.js's table got this default name too; keep it then.
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass('users') AND conname = 'users_email_key') THEN
    ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);
  END IF;
END $$;

DO $$
DECLARE
  problems bigint;
BEGIN
  SELECT count(*) INTO problems FROM accounts a WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = a."userId");
  IF problems > 0 THEN
    RAISE EXCEPTION 'authfx migration 0002: % accounts belong to users that do not exist (Auth.js''s deleteUser is not transactional). authfx links every account to a user: delete them, then migrate again.', problems
      USING HINT = 'Find them with: SELECT id, provider, "userId" FROM accounts a WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = a."userId");';
  END IF;

  SELECT count(*) INTO problems FROM (
    SELECT 1 FROM accounts GROUP BY provider, "providerAccountId" HAVING count(*) > 1) linked_twice;
  IF problems > 0 THEN
    RAISE EXCEPTION 'authfx migration 0002: % provider accounts are linked more than once. authfx lets a provider account belong to one user: delete the extra rows, then migrate again.', problems
      USING HINT = 'Find them with: SELECT provider, "providerAccountId", array_agg(id) AS rows, array_agg("userId") AS users FROM accounts GROUP BY 1, 2 HAVING count(*) > 1;';
  END IF;

  SELECT count(*) INTO problems FROM (
    SELECT 1 FROM accounts GROUP BY "userId", provider HAVING count(*) > 1) several;
  IF problems > 0 THEN
    RAISE EXCEPTION 'authfx migration 0002: % users have more than one account at the same provider. authfx links at most one account per provider to a user: unlink the extra ones, then migrate again.', problems
      USING HINT = 'Find them with: SELECT "userId", provider, array_agg("providerAccountId") FROM accounts GROUP BY 1, 2 HAVING count(*) > 1;';
  END IF;

  DELETE FROM sessions s WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = s."userId");
  GET DIAGNOSTICS problems = ROW_COUNT;
  IF problems > 0 THEN
    RAISE NOTICE 'authfx migration 0002: deleted % sessions of users that no longer exist', problems;
  END IF;

  SELECT count(*) INTO problems FROM (SELECT 1 FROM sessions GROUP BY "sessionToken" HAVING count(*) > 1) reused;
  IF problems > 0 THEN
    RAISE EXCEPTION 'authfx migration 0002: % session tokens are stored more than once; delete those sessions, then migrate again.', problems
      USING HINT = 'Find them with: SELECT "sessionToken", array_agg(id) FROM sessions GROUP BY 1 HAVING count(*) > 1;';
  END IF;
END $$;

ALTER TABLE accounts
  ADD CONSTRAINT accounts_provider_account_key UNIQUE (provider, "providerAccountId"),
  -- Also serves "the user's accounts" lookups, and the foreign key's cascade.
  ADD CONSTRAINT accounts_user_provider_key UNIQUE ("userId", provider),
  ADD CONSTRAINT accounts_user_fkey FOREIGN KEY ("userId") REFERENCES users (id) ON DELETE CASCADE,
  -- Set when the provider refused the refresh token: only a new sign-in repairs the account.
  ADD COLUMN IF NOT EXISTS needs_reauth BOOLEAN NOT NULL DEFAULT false,
  -- Who is refreshing the tokens right now, and until when the claim holds (so a crashed node cannot
  -- block refreshes forever). NULL when nobody is.
  ADD COLUMN IF NOT EXISTS refresh_claim_holder TEXT,
  ADD COLUMN IF NOT EXISTS refresh_claim_until TIMESTAMPTZ;

-- "sessionToken" holds the SHA-256 (hex) of the cookie's token from now on, never the token itself. Rows
-- Auth.js wrote hold raw tokens: authfx looks up the hash of the presented cookie, so they are simply not
-- found (those users sign in again) and expire unused. Hashing them in place keeps them valid, but only
-- while nothing runs Auth.js against this database any more, so that step is left to the operator:
--   UPDATE sessions SET "sessionToken" = encode(sha256(convert_to("sessionToken", 'UTF8')), 'hex');
ALTER TABLE sessions
  ADD CONSTRAINT sessions_token_key UNIQUE ("sessionToken"),
  ADD CONSTRAINT sessions_user_fkey FOREIGN KEY ("userId") REFERENCES users (id) ON DELETE CASCADE;
CREATE INDEX IF NOT EXISTS sessions_user_idx ON sessions ("userId");

-- Expired tokens are swept now and then; this keeps the sweep from reading the whole table.
CREATE INDEX IF NOT EXISTS verification_token_expires_idx ON verification_token (expires);
