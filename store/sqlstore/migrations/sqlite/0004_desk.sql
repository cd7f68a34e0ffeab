-- The agents' desk (#16): customers merged into persons, first responses
-- (for the SLA clock), internal notes and their @mentions, each agent's
-- read marks, and the full-text search index.
-- Keep in step with ../postgres/0004_desk.sql.

-- A person is the human behind several platform accounts. NULL: the
-- customer is a person of their own (person id = customer id); merging
-- sets person_id on every customer of both persons.
ALTER TABLE customers ADD COLUMN person_id BIGINT;
-- A profile picture URL, when the platform gives one.
ALTER TABLE customers ADD COLUMN avatar_url TEXT NOT NULL DEFAULT '';
CREATE INDEX customers_person ON customers (person_id);

-- When an agent first answered; NULL until then. The SLA's first-response
-- target applies before it, the next-response target after.
ALTER TABLE conversations ADD COLUMN first_response_at BIGINT;
UPDATE conversations SET first_response_at = (SELECT MIN(m.created_at) FROM messages m
    WHERE m.conversation_id = conversations.id AND m.direction = 'out' AND m.author LIKE 'agent:%');

-- Notes are for agents only: never sent to a platform.
CREATE TABLE notes (
    id              INTEGER PRIMARY KEY,
    conversation_id BIGINT NOT NULL REFERENCES conversations (id),
    author          TEXT NOT NULL,
    text            TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX notes_conversation ON notes (conversation_id, created_at, id);

-- An agent @mentioned in a note sees a marker until they open the conversation.
CREATE TABLE note_mentions (
    note_id         BIGINT NOT NULL REFERENCES notes (id),
    agent           TEXT NOT NULL,
    conversation_id BIGINT NOT NULL REFERENCES conversations (id),
    seen_at         BIGINT,
    PRIMARY KEY (note_id, agent)
) WITHOUT ROWID;
CREATE INDEX note_mentions_unseen ON note_mentions (agent, seen_at, conversation_id);

-- The newest customer message an agent has seen in a conversation; a
-- later one makes the conversation unread for them.
CREATE TABLE conversation_reads (
    agent           TEXT NOT NULL,
    conversation_id BIGINT NOT NULL REFERENCES conversations (id),
    read_at         BIGINT NOT NULL,
    PRIMARY KEY (agent, conversation_id)
) WITHOUT ROWID;

-- Full-text search. mattn/go-sqlite3 compiles FTS5 only under a build tag
-- that inboxbot's builds do not set, so the index is FTS4, which every
-- build has. Digits are separators: private text holds booking numbers
-- and PINs in clear, which must not be findable by search (ids are
-- matched exactly instead). Accents are kept (café is not cafe), as
-- PostgreSQL's 'simple' configuration does without the unaccent
-- extension, so that both stores find the same. Messages are never updated or deleted, so
-- their index is contentless; customers change names and handles, so
-- theirs reads the customers table.
CREATE VIRTUAL TABLE messages_fts USING fts4 (content="", text,
    tokenize=unicode61 "remove_diacritics=0" "separators=0123456789");
INSERT INTO messages_fts (docid, text) SELECT id, text FROM messages;
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (docid, text) VALUES (new.id, new.text);
END;

CREATE VIRTUAL TABLE customers_fts USING fts4 (content="customers", name, handle,
    tokenize=unicode61 "remove_diacritics=0" "separators=0123456789");
INSERT INTO customers_fts (docid, name, handle) SELECT id, name, handle FROM customers;
CREATE TRIGGER customers_fts_insert AFTER INSERT ON customers BEGIN
    INSERT INTO customers_fts (docid, name, handle) VALUES (new.id, new.name, new.handle);
END;
CREATE TRIGGER customers_fts_before_update BEFORE UPDATE OF name, handle ON customers
    WHEN old.name IS NOT new.name OR old.handle IS NOT new.handle BEGIN
    DELETE FROM customers_fts WHERE docid = old.id;
END;
CREATE TRIGGER customers_fts_after_update AFTER UPDATE OF name, handle ON customers
    WHEN old.name IS NOT new.name OR old.handle IS NOT new.handle BEGIN
    INSERT INTO customers_fts (docid, name, handle) VALUES (new.id, new.name, new.handle);
END;
