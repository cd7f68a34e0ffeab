-- The language of each report fact (#16), so that the daily charts split
-- by language read the facts alone, without joining a conversation per
-- row: a conversation's current language (kept in step when it changes),
-- and a close's language when it was closed.
-- Keep in step with ../postgres/0012_report_languages.sql.

ALTER TABLE report_conversations ADD COLUMN language TEXT NOT NULL DEFAULT '';
ALTER TABLE report_closes ADD COLUMN language TEXT NOT NULL DEFAULT '';
UPDATE report_conversations SET language = COALESCE((SELECT c.language FROM conversations c WHERE c.id = report_conversations.conversation_id), '');
UPDATE report_closes SET language = COALESCE((SELECT c.language FROM conversations c WHERE c.id = report_closes.conversation_id), '');
CREATE INDEX report_conversations_language ON report_conversations (opened_at, language);
CREATE INDEX report_closes_language ON report_closes (at, language);

-- The facts are inserted by the triggers of 0006, inside the statement
-- that wrote the conversation, which can already be read.
CREATE TRIGGER report_conversation_language AFTER INSERT ON report_conversations BEGIN
    UPDATE report_conversations SET language = COALESCE((SELECT c.language FROM conversations c WHERE c.id = NEW.conversation_id), '')
    WHERE conversation_id = NEW.conversation_id;
END;
CREATE TRIGGER report_close_language AFTER INSERT ON report_closes BEGIN
    UPDATE report_closes SET language = COALESCE((SELECT c.language FROM conversations c WHERE c.id = NEW.conversation_id), '')
    WHERE id = NEW.id;
END;
CREATE TRIGGER report_language_changed AFTER UPDATE OF language ON conversations
WHEN NEW.language <> OLD.language BEGIN
    UPDATE report_conversations SET language = NEW.language WHERE conversation_id = NEW.id;
END;
