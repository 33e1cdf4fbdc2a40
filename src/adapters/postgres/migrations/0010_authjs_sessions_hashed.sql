-- authfx migration 0010: Auth.js's database sessions carry over. Auth.js keeps the cookie's token itself in
-- "sessionToken"; authfx keeps its SHA-256 (hex) and looks sessions up by that (a leaked table is no cookie
-- jar), so until this migration every user of a taken-over Auth.js database with a database session was
-- signed out, unless the operator ran this UPDATE by hand. Hashing the token in place keeps their cookies
-- working: authfx hashes what the browser presents and finds the row.
--
-- Which rows hold Auth.js's tokens:
-- - In the run that takes an Auth.js database over, every row: authfx has written none yet. That run is the
--   one that records 0002 in this very transaction (its row's xmin is this transaction's id), whatever the
--   tokens look like (an application may have had its own `generateSessionToken`).
-- - In a database authfx already uses, only rows that cannot be authfx's: authfx writes 64 lower-case hex
--   digits, Auth.js a UUID unless told otherwise. They are sessions Auth.js made before an earlier authfx
--   took the database over, or beside it since; hashing them makes them work under authfx.
-- Either way Auth.js's own adapter no longer finds these sessions (toAuthjsAdapter does: it hashes too).
-- txid_current() rather than pg_current_xact_id(), which needs PostgreSQL 13; sha256() needs 11.

UPDATE sessions
SET "sessionToken" = encode(sha256(convert_to("sessionToken", 'UTF8')), 'hex')
WHERE "sessionToken" !~ '^[0-9a-f]{64}$'
   OR EXISTS (
     SELECT 1 FROM authfx_migrations
     WHERE version = 2 AND xmin::text::bigint = txid_current() % 4294967296
   );
