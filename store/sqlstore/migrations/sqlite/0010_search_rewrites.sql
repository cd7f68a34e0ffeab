-- Message texts can change now: the retention job rewrites private
-- secrets in place (Store.RewriteTexts). A contentless FTS4 index cannot
-- forget a text, so the messages' index reads the messages table
-- instead (external content, no copy of the text either), and follows
-- every change of a text. Only the SQLite index needs this: PostgreSQL's
-- is an expression index.
DROP TRIGGER messages_fts_insert;
DROP TABLE messages_fts;
CREATE VIRTUAL TABLE messages_fts USING fts4 (content="messages", text,
    tokenize=unicode61 "remove_diacritics=0" "separators=0123456789");
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (docid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER messages_fts_before_update BEFORE UPDATE OF text ON messages
    WHEN old.text IS NOT new.text BEGIN
    DELETE FROM messages_fts WHERE docid = old.id;
END;
CREATE TRIGGER messages_fts_after_update AFTER UPDATE OF text ON messages
    WHEN old.text IS NOT new.text BEGIN
    INSERT INTO messages_fts (docid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER messages_fts_delete BEFORE DELETE ON messages BEGIN
    DELETE FROM messages_fts WHERE docid = old.id;
END;
