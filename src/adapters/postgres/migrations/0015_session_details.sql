-- authfx migration 0015: what a user's session list shows of a database session (when it was created, a coarse
-- label of the client it was signed in from: a browser family and an OS, never the User-Agent or an address),
-- and its auth time, from which the step-up rule measures (src/domain/stepUp.ts).

-- NULL for sessions from before these columns, and for rows Auth.js itself writes: such a session shows no
-- creation time or client, and a sensitive action from it needs a fresh sign-in.
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS created_at TIMESTAMPTZ;
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS auth_time TIMESTAMPTZ;
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS client TEXT;
