-- Departments' API tokens, stored as SHA-256 of the token (see credentials.py for why).
CREATE TABLE api_tokens (
    token_id    uuid        PRIMARY KEY,
    department  text        NOT NULL,
    token_hash  bytea       NOT NULL UNIQUE,
    label       text        NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL,
    revoked_at  timestamptz
);
CREATE INDEX api_tokens_by_department ON api_tokens (department);

-- Shared secrets of the tools that sign their webhooks (GitHub, Jira, PagerDuty).
-- Kept as given: checking an HMAC needs the secret itself. Several may be active at
-- once for one department and tool, so a secret can be rotated without a gap.
CREATE TABLE webhook_secrets (
    secret_id   uuid        PRIMARY KEY,
    department  text        NOT NULL,
    tool        text        NOT NULL,
    secret      text        NOT NULL,
    label       text        NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL,
    revoked_at  timestamptz
);
CREATE INDEX webhook_secrets_by_department_tool ON webhook_secrets (department, tool)
    WHERE revoked_at IS NULL;
