-- Report facts (#16): one row per conversation opened, per agent reply that
-- ended a customer's wait, and per close, kept by triggers as the data
-- changes. A report of 90 days then reads these rows by time instead of
-- walking a million messages, and every path that opens, answers or closes
-- a conversation (ingest, FinishSend, the desk, the CLI, bulk actions) is
-- counted the same way without remembering to. Times are Unix nanoseconds.
-- Keep in step with ../postgres/0006_reports.sql.

-- A conversation, from its first customer message.
CREATE TABLE report_conversations (
    conversation_id BIGINT PRIMARY KEY REFERENCES conversations (id),
    platform        TEXT NOT NULL,
    channel         TEXT NOT NULL,
    opened_at       BIGINT NOT NULL
) WITHOUT ROWID;
CREATE INDEX report_conversations_opened ON report_conversations (opened_at, platform, channel);

-- An agent's reply that ended a wait: waited is from the oldest customer
-- message it answered (conversations.awaiting_since) to the reply. first
-- is 1 for the conversation's first such reply (the first response), 0
-- for the next ones (next responses).
CREATE TABLE report_responses (
    id              INTEGER PRIMARY KEY,
    conversation_id BIGINT NOT NULL REFERENCES conversations (id),
    platform        TEXT NOT NULL,
    channel         TEXT NOT NULL,
    agent           TEXT NOT NULL,
    first           INTEGER NOT NULL,
    waited          BIGINT NOT NULL,
    at              BIGINT NOT NULL
);
CREATE INDEX report_responses_at ON report_responses (at);
CREATE INDEX report_responses_conversation ON report_responses (conversation_id);

-- A close: agent is who held the conversation then ('' for nobody);
-- opened_at is copied so that the resolution time needs no join.
CREATE TABLE report_closes (
    id              INTEGER PRIMARY KEY,
    conversation_id BIGINT NOT NULL REFERENCES conversations (id),
    platform        TEXT NOT NULL,
    channel         TEXT NOT NULL,
    agent           TEXT NOT NULL,
    opened_at       BIGINT NOT NULL,
    at              BIGINT NOT NULL
);
CREATE INDEX report_closes_at ON report_closes (at);

-- The automatic answers and the redactions of a period.
CREATE INDEX actions_created ON actions (created_at);
CREATE INDEX messages_findings ON messages (created_at) WHERE findings <> '';

-- A new conversation's last_customer_message_at is its first message's
-- time. Ingest may create a conversation closed.
CREATE TRIGGER report_conversation_opened AFTER INSERT ON conversations BEGIN
    INSERT INTO report_conversations (conversation_id, platform, channel, opened_at)
    VALUES (NEW.id, NEW.platform, NEW.channel, COALESCE(NEW.last_customer_message_at, NEW.created_at));
    INSERT INTO report_closes (conversation_id, platform, channel, agent, opened_at, at)
    SELECT NEW.id, NEW.platform, NEW.channel, NEW.assignee,
        COALESCE(NEW.last_customer_message_at, NEW.created_at), NEW.updated_at
    WHERE NEW.status = 'closed';
END;

CREATE TRIGGER report_conversation_closed AFTER UPDATE OF status ON conversations
WHEN NEW.status = 'closed' AND OLD.status <> 'closed' BEGIN
    INSERT INTO report_closes (conversation_id, platform, channel, agent, opened_at, at)
    VALUES (NEW.id, NEW.platform, NEW.channel, NEW.assignee,
        COALESCE((SELECT opened_at FROM report_conversations WHERE conversation_id = NEW.id), NEW.created_at),
        NEW.updated_at);
END;

-- An agent's sent reply becomes an outbound message (FinishSend) before
-- the conversation's awaiting_since is cleared, so the wait it ended is
-- still there to read. Only platform messages count, not notes.
CREATE TRIGGER report_agent_response AFTER INSERT ON messages
WHEN NEW.direction = 'out' AND substr(NEW.author, 1, 6) = 'agent:'
    AND NEW.kind IN ('message', 'post', 'comment', 'mention', 'dm') BEGIN
    INSERT INTO report_responses (conversation_id, platform, channel, agent, first, waited, at)
    SELECT c.id, c.platform, c.channel, substr(NEW.author, 7),
        NOT EXISTS (SELECT 1 FROM report_responses r WHERE r.conversation_id = c.id),
        max(NEW.created_at - c.awaiting_since, 0), NEW.created_at
    FROM conversations c WHERE c.id = NEW.conversation_id AND c.awaiting_since IS NOT NULL;
END;

-- What was there before this version: every conversation, its closes as of
-- its last update, and its first agent reply (measured from its first
-- customer message; later replies cannot be told apart now).
INSERT INTO report_conversations (conversation_id, platform, channel, opened_at)
SELECT c.id, c.platform, c.channel, COALESCE(
    (SELECT MIN(m.created_at) FROM messages m WHERE m.conversation_id = c.id AND m.direction = 'in'),
    c.created_at)
FROM conversations c;
INSERT INTO report_closes (conversation_id, platform, channel, agent, opened_at, at)
SELECT c.id, c.platform, c.channel, c.assignee, r.opened_at, c.updated_at
FROM conversations c JOIN report_conversations r ON r.conversation_id = c.id
WHERE c.status = 'closed';
INSERT INTO report_responses (conversation_id, platform, channel, agent, first, waited, at)
SELECT r.conversation_id, r.platform, r.channel, substr(m.author, 7), 1, max(m.created_at - r.opened_at, 0), m.created_at
FROM report_conversations r JOIN messages m ON m.id = (
    SELECT m2.id FROM messages m2 WHERE m2.conversation_id = r.conversation_id AND m2.direction = 'out'
        AND substr(m2.author, 1, 6) = 'agent:' ORDER BY m2.created_at, m2.id LIMIT 1);
