-- The agents' desk (#16): customers merged into persons, first responses
-- (for the SLA clock), internal notes and their @mentions, each agent's
-- read marks, and the full-text search index.
-- Keep in step with ../sqlite/0004_desk.sql.

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
    id              BIGSERIAL PRIMARY KEY,
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
);
CREATE INDEX note_mentions_unseen ON note_mentions (agent, seen_at, conversation_id);

-- The newest customer message an agent has seen in a conversation; a
-- later one makes the conversation unread for them.
CREATE TABLE conversation_reads (
    agent           TEXT NOT NULL,
    conversation_id BIGINT NOT NULL REFERENCES conversations (id),
    read_at         BIGINT NOT NULL,
    PRIMARY KEY (agent, conversation_id)
);

-- Full-text search with the 'simple' configuration (no stemming, no stop
-- words: customers write in many languages). Digits are blanked: private
-- text holds booking numbers and PINs in clear, which must not be
-- findable by search (ids are matched exactly instead). The expressions
-- are the ones the search queries use (store/search.go), so that the
-- indexes serve them.
CREATE INDEX messages_search ON messages
    USING gin (to_tsvector('simple'::regconfig, translate(text, '0123456789', '          ')));
CREATE INDEX customers_search ON customers
    USING gin ((setweight(to_tsvector('simple'::regconfig, translate(handle, '0123456789', '          ')), 'A') ||
                setweight(to_tsvector('simple'::regconfig, translate(name, '0123456789', '          ')), 'B')));
