-- Initial schema (SQLite). Times are BIGINT Unix nanoseconds (UTC), so that
-- ordering and range filters are plain integer comparisons in both dialects;
-- 0 means "never" in NOT NULL columns, NULL in nullable ones.
-- Keep in step with ../postgres/0001_init.sql: only id columns and WITHOUT ROWID differ.

CREATE TABLE customers (
    id          INTEGER PRIMARY KEY,
    platform    TEXT NOT NULL,
    external_id TEXT NOT NULL,
    handle      TEXT NOT NULL DEFAULT '',
    name        TEXT NOT NULL DEFAULT '',
    UNIQUE (platform, external_id)
);

CREATE TABLE conversations (
    id                       INTEGER PRIMARY KEY,
    platform                 TEXT NOT NULL,
    channel                  TEXT NOT NULL,
    thread                   TEXT NOT NULL,
    customer_id              BIGINT NOT NULL REFERENCES customers (id),
    status                   TEXT NOT NULL,
    assignee                 TEXT NOT NULL DEFAULT '',
    language                 TEXT NOT NULL DEFAULT '',
    language_confidence      DOUBLE PRECISION NOT NULL DEFAULT 0,
    linked_conversation      BIGINT REFERENCES conversations (id),
    awaiting_since           BIGINT,
    last_customer_message_at BIGINT,
    created_at               BIGINT NOT NULL,
    updated_at               BIGINT NOT NULL,
    UNIQUE (platform, channel, thread)
);
-- The queue order, so that a page is an index walk, not a sort.
CREATE INDEX conversations_queue ON conversations ((awaiting_since IS NULL), awaiting_since, updated_at DESC, id);
CREATE INDEX conversations_status_queue ON conversations (status, (awaiting_since IS NULL), awaiting_since, updated_at DESC, id);
-- Not (assignee, status): ingest sets status on every message, and an index
-- on a column in the SET list is rewritten even when the value is unchanged.
CREATE INDEX conversations_assignee ON conversations (assignee);
CREATE INDEX conversations_customer ON conversations (customer_id, platform, channel);

CREATE TABLE conversation_flags (
    conversation_id BIGINT NOT NULL REFERENCES conversations (id),
    flag            TEXT NOT NULL,
    PRIMARY KEY (conversation_id, flag)
) WITHOUT ROWID;
CREATE INDEX conversation_flags_flag ON conversation_flags (flag, conversation_id);

CREATE TABLE messages (
    id              INTEGER PRIMARY KEY,
    conversation_id BIGINT NOT NULL REFERENCES conversations (id),
    platform        TEXT NOT NULL,
    kind            TEXT NOT NULL,
    external_id     TEXT NOT NULL,
    direction       TEXT NOT NULL,
    author          TEXT NOT NULL,
    text            TEXT NOT NULL,
    visibility      TEXT NOT NULL,
    findings        TEXT NOT NULL DEFAULT '',
    parent_id       TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    UNIQUE (platform, external_id)
);
CREATE INDEX messages_conversation ON messages (conversation_id, created_at, id);

CREATE TABLE actions (
    id              INTEGER PRIMARY KEY,
    conversation_id BIGINT NOT NULL REFERENCES conversations (id),
    platform        TEXT NOT NULL,
    kind            TEXT NOT NULL,
    action_key      TEXT NOT NULL UNIQUE,
    purpose         TEXT NOT NULL DEFAULT '',
    target          TEXT NOT NULL DEFAULT '',
    recipient       TEXT NOT NULL DEFAULT '',
    text            TEXT NOT NULL DEFAULT '',
    requested_by    TEXT NOT NULL,
    state           TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    platform_id     TEXT NOT NULL DEFAULT '',
    error           TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
-- Serves both Actions(conversation) and the router's per-window counts.
CREATE INDEX actions_conversation ON actions (conversation_id, purpose, created_at);

CREATE TABLE cursors (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE agents (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL DEFAULT '',
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    BIGINT NOT NULL
);

CREATE TABLE tokens (
    hash       TEXT PRIMARY KEY,
    agent_id   BIGINT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    csrf       TEXT NOT NULL DEFAULT '',
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX tokens_agent ON tokens (agent_id);

CREATE TABLE audit (
    id              INTEGER PRIMARY KEY,
    actor           TEXT NOT NULL,
    action          TEXT NOT NULL,
    conversation_id BIGINT,
    detail          TEXT NOT NULL DEFAULT '',
    at              BIGINT NOT NULL
);
CREATE INDEX audit_conversation ON audit (conversation_id, at, id);
