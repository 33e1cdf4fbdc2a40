-- authfx migration authfx_keys_without_kek_id: stored keys no longer name the key-encryption key they are sealed under.
--
-- `kek_id` was an HKDF of the deployment secret under a salt every deployment shares: anyone who could read
-- this table could test a guess at the secret with one HKDF, or look the id up in a table computed once for
-- all deployments. The KeyStore now finds the KEK by trial (AES-GCM's tag says which configured secret's KEK
-- opens a row), so the column goes. Nothing else changes: `material` stays sealed under the same KEK, so
-- every key is kept and opens with the secret it opened with before.
ALTER TABLE authfx_keys DROP COLUMN kek_id;
