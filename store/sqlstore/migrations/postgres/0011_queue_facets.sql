-- The queue's facet counts (Store.Counts) read this index alone: one pass
-- over the index entries of the chosen status counts platforms,
-- channels, languages and assignees at once, without visiting the rows.
-- Keep in step with ../sqlite/0011_queue_facets.sql.
CREATE INDEX conversations_facets ON conversations (status, platform, channel, language, assignee);
