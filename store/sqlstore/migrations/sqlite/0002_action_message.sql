-- Actions remember the message whose routing created them, so that a
-- redelivered message re-publishes exactly those still pending.
ALTER TABLE actions ADD COLUMN message_id BIGINT REFERENCES messages (id);
CREATE INDEX actions_message ON actions (message_id);
