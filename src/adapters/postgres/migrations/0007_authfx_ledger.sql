-- authfx migration authfx_ledger: the Ledger (src/ports/Ledger.ts), short-lived entries under string keys
-- that every node shares: revoked token ids and user-wide revocations, refresh claims, rate-limit counters.
--
-- An entry whose expires_at is at or before now is absent. `now` is the node's (Effect's Clock, passed to
-- each statement), never the server's: the rules that write the entries keep time the same way. Rows past
-- expires_at stay until a later write overwrites them or the domain's sweep deletes them, a bounded batch
-- at a time; the index is what that sweep scans.
CREATE TABLE authfx_ledger
(
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL,

  PRIMARY KEY (key)
);
CREATE INDEX authfx_ledger_expires_at_idx ON authfx_ledger (expires_at);
