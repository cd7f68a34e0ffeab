-- Search (store/search.go) at a million messages:
--
-- Messages keep their search document in a stored column. The expression
-- index made PostgreSQL compute to_tsvector again for every row it had to
-- check (a phrase's candidates, the newest messages scanned in order),
-- which cost hundreds of milliseconds on common words.
--
-- Customers' names and handles are not secret: their digits are
-- searchable ("@guest123"), unlike message text. Handles get an index of
-- their own, so that @handle needs no weights (which GIN must recheck row
-- by row).
-- Keep in step with ../sqlite/0013_search_customers.sql.
DROP INDEX messages_search;
ALTER TABLE messages ADD COLUMN search tsvector
    GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, translate(text, '0123456789', '          '))) STORED;
CREATE INDEX messages_search ON messages USING gin (search);

DROP INDEX customers_search;
CREATE INDEX customers_search ON customers
    USING gin (to_tsvector('simple'::regconfig, handle || ' ' || name));
CREATE INDEX customers_search_handle ON customers
    USING gin (to_tsvector('simple'::regconfig, handle));
