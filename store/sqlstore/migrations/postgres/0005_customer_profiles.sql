-- Customer profiles looked up on the platform (X users lookup, the Graph
-- profile of a Messenger PSID; the avatar goes to customers.avatar_url of
-- 0004): when the profile was last read
-- (profile_at, NULL: never) and whether the customer wrote privately since
-- then (profile_due, NULL: no). A trigger sets profile_due on a customer's
-- private message, so that the connectors' profile look-ups find the
-- customers to look up (or refresh once stale) with one indexed query, and
-- no write path has to remember it.
-- Keep in step with ../sqlite/0005_customer_profiles.sql.

ALTER TABLE customers ADD COLUMN profile_at BIGINT;
ALTER TABLE customers ADD COLUMN profile_due BIGINT;
-- Only customers who wrote privately since their last look-up.
CREATE INDEX customers_profile_due ON customers (platform, profile_at) WHERE profile_due IS NOT NULL;

-- The first private customer message after a look-up marks the customer
-- due; later ones only read the row.
CREATE FUNCTION customers_profile_due() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE customers SET profile_due = NEW.created_at
    WHERE id = (SELECT customer_id FROM conversations WHERE id = NEW.conversation_id)
      AND profile_due IS NULL;
    RETURN NULL;
END
$$;
CREATE TRIGGER customers_profile_due AFTER INSERT ON messages
FOR EACH ROW WHEN (NEW.direction = 'in' AND NEW.visibility = 'private')
EXECUTE FUNCTION customers_profile_due();

-- Customers who wrote privately before this version and have no name yet.
UPDATE customers SET profile_due = 1
WHERE name = '' AND EXISTS (SELECT 1 FROM conversations c WHERE c.customer_id = customers.id AND c.channel = 'private');
