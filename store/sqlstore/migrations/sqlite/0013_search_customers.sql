-- Customers' names and handles are not secret: their digits are
-- searchable ("@guest123"), unlike message text. The customers' index is
-- rebuilt without digit separators.
-- Keep in step with ../postgres/0013_search_customers.sql.
DROP TRIGGER customers_fts_insert;
DROP TRIGGER customers_fts_before_update;
DROP TRIGGER customers_fts_after_update;
DROP TABLE customers_fts;
CREATE VIRTUAL TABLE customers_fts USING fts4 (content="customers", name, handle,
    tokenize=unicode61 "remove_diacritics=0");
INSERT INTO customers_fts (customers_fts) VALUES ('rebuild');
CREATE TRIGGER customers_fts_insert AFTER INSERT ON customers BEGIN
    INSERT INTO customers_fts (docid, name, handle) VALUES (new.id, new.name, new.handle);
END;
CREATE TRIGGER customers_fts_before_update BEFORE UPDATE OF name, handle ON customers
    WHEN old.name IS NOT new.name OR old.handle IS NOT new.handle BEGIN
    DELETE FROM customers_fts WHERE docid = old.id;
END;
CREATE TRIGGER customers_fts_after_update AFTER UPDATE OF name, handle ON customers
    WHEN old.name IS NOT new.name OR old.handle IS NOT new.handle BEGIN
    INSERT INTO customers_fts (docid, name, handle) VALUES (new.id, new.name, new.handle);
END;
