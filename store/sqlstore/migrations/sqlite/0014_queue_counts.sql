-- The queue's counts (#16) at 100,000 conversations: the page's total
-- (Store.Conversations) and the facet counts (Store.Counts) add up rows
-- of this table, one per status, platform, channel, language and
-- assignee, instead of counting every conversation the filter selects on
-- each page load (every status: 100,000 index entries, twice). Filters by
-- customer, person or flag still count conversations.
-- Rows are not deleted: n falls to 0, and the readers skip those.
-- Keep in step with ../postgres/0014_queue_counts.sql.

CREATE TABLE queue_counts (
    status   TEXT NOT NULL,
    platform TEXT NOT NULL,
    channel  TEXT NOT NULL,
    language TEXT NOT NULL,
    assignee TEXT NOT NULL,
    n        INTEGER NOT NULL,
    PRIMARY KEY (status, platform, channel, language, assignee)
) WITHOUT ROWID;

CREATE TRIGGER queue_count_insert AFTER INSERT ON conversations BEGIN
    INSERT INTO queue_counts (status, platform, channel, language, assignee, n)
    VALUES (NEW.status, NEW.platform, NEW.channel, NEW.language, NEW.assignee, 1)
    ON CONFLICT (status, platform, channel, language, assignee) DO UPDATE SET n = queue_counts.n + 1;
END;

CREATE TRIGGER queue_count_delete AFTER DELETE ON conversations BEGIN
    UPDATE queue_counts SET n = n - 1
    WHERE status = OLD.status AND platform = OLD.platform AND channel = OLD.channel
        AND language = OLD.language AND assignee = OLD.assignee;
END;

-- Ingest sets status and language on every message: only a change counts.
CREATE TRIGGER queue_count_moved AFTER UPDATE OF status, platform, channel, language, assignee ON conversations
WHEN OLD.status <> NEW.status OR OLD.platform <> NEW.platform OR OLD.channel <> NEW.channel
    OR OLD.language <> NEW.language OR OLD.assignee <> NEW.assignee BEGIN
    UPDATE queue_counts SET n = n - 1
    WHERE status = OLD.status AND platform = OLD.platform AND channel = OLD.channel
        AND language = OLD.language AND assignee = OLD.assignee;
    INSERT INTO queue_counts (status, platform, channel, language, assignee, n)
    VALUES (NEW.status, NEW.platform, NEW.channel, NEW.language, NEW.assignee, 1)
    ON CONFLICT (status, platform, channel, language, assignee) DO UPDATE SET n = queue_counts.n + 1;
END;

INSERT INTO queue_counts (status, platform, channel, language, assignee, n)
SELECT status, platform, channel, language, assignee, COUNT(*) FROM conversations
GROUP BY status, platform, channel, language, assignee;
