-- SQLite's search index follows rewritten message texts from this
-- version (see ../sqlite/0010_search_rewrites.sql); PostgreSQL's
-- expression index always did. Nothing to change here: the version is
-- kept in step.
SELECT 1;
