-- Sign-in attempts are counted per account and client address, so one address guessing at an
-- account slows only itself, not the account's owner signing in from elsewhere.
ALTER TABLE sign_in_failures ADD COLUMN client TEXT NOT NULL DEFAULT '';
CREATE INDEX sign_in_failures_client ON sign_in_failures (client, at);
CREATE INDEX sign_in_failures_at ON sign_in_failures (at);
