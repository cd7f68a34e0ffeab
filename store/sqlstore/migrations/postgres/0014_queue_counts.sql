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

-- The triggers are per statement, with the statement's rows as
-- transition tables: a row trigger would update the same few rows once
-- per conversation, and within one transaction each update walks every
-- earlier version of its row (100,000 updates of one row in one
-- transaction: 2.4 minutes; loading the desk benchmark's history made
-- 190,000). Rows are written in key order,
-- so that two transactions lock the rows they share in the same order
-- rather than deadlock. Transition tables cannot name columns: the
-- update trigger fires on every update of conversations and keeps the
-- rows whose facets changed.
CREATE FUNCTION queue_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO queue_counts AS q (status, platform, channel, language, assignee, n)
    SELECT status, platform, channel, language, assignee, COUNT(*) FROM queue_count_new
    GROUP BY status, platform, channel, language, assignee
    ORDER BY status, platform, channel, language, assignee
    ON CONFLICT (status, platform, channel, language, assignee) DO UPDATE SET n = q.n + excluded.n;
    RETURN NULL;
END
$$;
CREATE FUNCTION queue_count_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO queue_counts AS q (status, platform, channel, language, assignee, n)
    SELECT status, platform, channel, language, assignee, -COUNT(*) FROM queue_count_old
    GROUP BY status, platform, channel, language, assignee
    ORDER BY status, platform, channel, language, assignee
    ON CONFLICT (status, platform, channel, language, assignee) DO UPDATE SET n = q.n + excluded.n;
    RETURN NULL;
END
$$;
CREATE FUNCTION queue_count_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH moved AS (
        SELECT o.status AS o_status, o.platform AS o_platform, o.channel AS o_channel,
            o.language AS o_language, o.assignee AS o_assignee,
            w.status, w.platform, w.channel, w.language, w.assignee
        FROM queue_count_old o JOIN queue_count_new w ON w.id = o.id
        WHERE (o.status, o.platform, o.channel, o.language, o.assignee)
            <> (w.status, w.platform, w.channel, w.language, w.assignee))
    INSERT INTO queue_counts AS q (status, platform, channel, language, assignee, n)
    SELECT status, platform, channel, language, assignee, SUM(d) FROM (
        SELECT o_status, o_platform, o_channel, o_language, o_assignee, -1 FROM moved
        UNION ALL
        SELECT status, platform, channel, language, assignee, 1 FROM moved
    ) AS m (status, platform, channel, language, assignee, d)
    GROUP BY status, platform, channel, language, assignee
    HAVING SUM(d) <> 0
    ORDER BY status, platform, channel, language, assignee
    ON CONFLICT (status, platform, channel, language, assignee) DO UPDATE SET n = q.n + excluded.n;
    RETURN NULL;
END
$$;
CREATE TRIGGER queue_count_inserted AFTER INSERT ON conversations
REFERENCING NEW TABLE AS queue_count_new
FOR EACH STATEMENT EXECUTE FUNCTION queue_count_inserted();
CREATE TRIGGER queue_count_deleted AFTER DELETE ON conversations
REFERENCING OLD TABLE AS queue_count_old
FOR EACH STATEMENT EXECUTE FUNCTION queue_count_deleted();
CREATE TRIGGER queue_count_updated AFTER UPDATE ON conversations
REFERENCING OLD TABLE AS queue_count_old NEW TABLE AS queue_count_new
FOR EACH STATEMENT EXECUTE FUNCTION queue_count_updated();

-- After the triggers: CREATE TRIGGER locks out writers of conversations
-- until this migration commits, so no change falls between the two.
INSERT INTO queue_counts (status, platform, channel, language, assignee, n)
SELECT status, platform, channel, language, assignee, COUNT(*) FROM conversations
GROUP BY status, platform, channel, language, assignee;
