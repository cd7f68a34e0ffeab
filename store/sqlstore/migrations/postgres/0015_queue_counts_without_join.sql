-- queue_count_updated (0014) joined the statement's old and new rows by
-- id. Transition tables have no statistics, so the planner expects one
-- row each and joins them with a nested loop: quadratic in the rows one
-- statement updates (a batch of 587 conversations spent 72 ms there, with
-- 344,000 rows compared; #17). No join is needed: every old row takes
-- one from its facets and every new row adds one to its own, and a
-- conversation whose facets did not change cancels out in the sum.
-- Rows are still written in key order (see 0014).
CREATE OR REPLACE FUNCTION queue_count_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO queue_counts AS q (status, platform, channel, language, assignee, n)
    SELECT status, platform, channel, language, assignee, SUM(d) FROM (
        SELECT status, platform, channel, language, assignee, -1 FROM queue_count_old
        UNION ALL
        SELECT status, platform, channel, language, assignee, 1 FROM queue_count_new
    ) AS m (status, platform, channel, language, assignee, d)
    GROUP BY status, platform, channel, language, assignee
    HAVING SUM(d) <> 0
    ORDER BY status, platform, channel, language, assignee
    ON CONFLICT (status, platform, channel, language, assignee) DO UPDATE SET n = q.n + excluded.n;
    RETURN NULL;
END
$$;
