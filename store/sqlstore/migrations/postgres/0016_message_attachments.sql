-- The attachments of a customer's message (images, stickers, files):
-- references only, as JSON ([{"type": "sticker", "url": "…"}]), or '' for
-- none. The store never downloads them; the desk shows them (#13).
-- Keep in step with ../sqlite/0016_message_attachments.sql.
ALTER TABLE messages ADD COLUMN attachments TEXT NOT NULL DEFAULT '';
