-- A public conversation whose customer moved to a private one (Ingest
-- links them) no longer waits in the open queue: it is set to pending, and
-- the desk shows it under the private conversation. Whatever path links
-- them, the trigger applies; a later public message reopens it as any
-- customer message does.
-- Keep in step with ../sqlite/0007_moved_to_private.sql.
CREATE FUNCTION conversations_moved_to_private() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.channel = 'public' AND OLD.linked_conversation IS NULL AND NEW.linked_conversation IS NOT NULL
        AND NEW.status = 'open' THEN
        NEW.status := 'pending';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER conversations_moved_to_private BEFORE UPDATE OF linked_conversation ON conversations
    FOR EACH ROW EXECUTE FUNCTION conversations_moved_to_private();

-- Existing public conversations that moved to private.
UPDATE conversations SET status = 'pending'
WHERE channel = 'public' AND linked_conversation IS NOT NULL AND status = 'open';
