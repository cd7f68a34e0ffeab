-- The language of each report fact (#16), so that the daily charts split
-- by language read the facts alone, without joining a conversation per
-- row: a conversation's current language (kept in step when it changes),
-- and a close's language when it was closed.
-- Keep in step with ../sqlite/0012_report_languages.sql.

ALTER TABLE report_conversations ADD COLUMN language TEXT NOT NULL DEFAULT '';
ALTER TABLE report_closes ADD COLUMN language TEXT NOT NULL DEFAULT '';
UPDATE report_conversations r SET language = c.language FROM conversations c WHERE c.id = r.conversation_id;
UPDATE report_closes r SET language = c.language FROM conversations c WHERE c.id = r.conversation_id;
CREATE INDEX report_conversations_language ON report_conversations (opened_at, language);
CREATE INDEX report_closes_language ON report_closes (at, language);

-- The facts are inserted by the triggers of 0006, inside the statement
-- that wrote the conversation, which can already be read.
CREATE FUNCTION report_fact_language() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'report_conversations' THEN
        UPDATE report_conversations SET language = COALESCE((SELECT c.language FROM conversations c WHERE c.id = NEW.conversation_id), '')
        WHERE conversation_id = NEW.conversation_id;
    ELSE
        UPDATE report_closes SET language = COALESCE((SELECT c.language FROM conversations c WHERE c.id = NEW.conversation_id), '')
        WHERE id = NEW.id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER report_conversation_language AFTER INSERT ON report_conversations
FOR EACH ROW EXECUTE FUNCTION report_fact_language();
CREATE TRIGGER report_close_language AFTER INSERT ON report_closes
FOR EACH ROW EXECUTE FUNCTION report_fact_language();

CREATE FUNCTION report_language_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE report_conversations SET language = NEW.language WHERE conversation_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER report_language_changed AFTER UPDATE OF language ON conversations
FOR EACH ROW WHEN (NEW.language <> OLD.language)
EXECUTE FUNCTION report_language_changed();
