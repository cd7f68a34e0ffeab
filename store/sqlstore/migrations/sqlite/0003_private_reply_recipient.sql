-- Ingest links a customer's Messenger conversation to the public one whose
-- Private Reply reached them, by the recipient FinishSend records.
CREATE INDEX actions_private_reply_recipient ON actions (platform, recipient) WHERE kind = 'private_reply';
