-- New messages are added to messages_fts by the store, once per
-- transaction (txq.indexMessages), instead of by this trigger. FTS4
-- writes its pending terms to disk at every statement savepoint, and an
-- insert made by a trigger is one: every message became an index segment
-- of its own, merged again later, which cost four times the CPU of the
-- same inserts as one statement and most of an ingest's bytes written
-- (#17). Changes and deletions of texts are rare (the retention job) and
-- keep their triggers.
DROP TRIGGER messages_fts_insert;
