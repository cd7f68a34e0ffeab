-- The queue's counts (#16) at 100,000 conversations: the page's total
-- (Store.Conversations) and the facet counts (Store.Counts) add up rows
-- of this table, one per status, platform, channel, language and
-- assignee, instead of counting every conversation the filter selects on
-- each page load (every status: 100,000 index entries, twice). Filters by
-- customer, person or flag still count conversations.
-- Rows are not deleted: n falls to 0, and the readers skip those.
-- Keep in step with ../sqlite/0014_queue_counts.sql.

CREATE TABLE queue_counts (
    status   TEXT NOT NULL,
    platform TEXT NOT NULL,
    channel  TEXT NOT NULL,
    language TEXT NOT NULL,
    assignee TEXT NOT NULL,
    n        BIGINT NOT NULL,
    PRIMARY KEY (status, platform, channel, language, assignee)
);

-- A moved conversation leaves one row and joins another in one statement,
-- in key order, so that two transactions moving conversations between the
-- same two rows lock them in the same order rather than deadlock.
CREATE FUNCTION queue_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO queue_counts AS q (status, platform, channel, language, assignee, n)
        VALUES (NEW.status, NEW.platform, NEW.channel, NEW.language, NEW.assignee, 1)
        ON CONFLICT (status, platform, channel, language, assignee) DO UPDATE SET n = q.n + 1;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE queue_counts SET n = n - 1
        WHERE status = OLD.status AND platform = OLD.platform AND channel = OLD.channel
            AND language = OLD.language AND assignee = OLD.assignee;
    ELSE
        INSERT INTO queue_counts AS q (status, platform, channel, language, assignee, n)
        SELECT * FROM (VALUES (OLD.status, OLD.platform, OLD.channel, OLD.language, OLD.assignee, -1),
                              (NEW.status, NEW.platform, NEW.channel, NEW.language, NEW.assignee, 1))
            AS d (status, platform, channel, language, assignee, n)
        ORDER BY status, platform, channel, language, assignee
        ON CONFLICT (status, platform, channel, language, assignee) DO UPDATE SET n = q.n + excluded.n;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER queue_count AFTER INSERT OR DELETE ON conversations
FOR EACH ROW EXECUTE FUNCTION queue_count();
-- Ingest sets status and language on every message: only a change counts.
CREATE TRIGGER queue_count_moved AFTER UPDATE OF status, platform, channel, language, assignee ON conversations
FOR EACH ROW WHEN (OLD.status <> NEW.status OR OLD.platform <> NEW.platform OR OLD.channel <> NEW.channel
    OR OLD.language <> NEW.language OR OLD.assignee <> NEW.assignee)
EXECUTE FUNCTION queue_count();

-- After the triggers: CREATE TRIGGER locks out writers of conversations
-- until this migration commits, so no change falls between the two.
INSERT INTO queue_counts (status, platform, channel, language, assignee, n)
SELECT status, platform, channel, language, assignee, COUNT(*) FROM conversations
GROUP BY status, platform, channel, language, assignee;
