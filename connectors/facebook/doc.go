// Package facebook is the Facebook Page connector: it pulls the Page's
// Messenger conversations and its feed (visitor posts, and comments under
// every post) from the Graph API, takes the same items from Meta's
// webhook as they happen, and sends Messenger messages, Private Replies,
// public comment replies and hides.
//
// It does platform I/O only. Connector implements connectors.Source and
// connectors.Sender and plugs into connectors.Runner, which runs the poll
// loop, publishes to INBOUND with Nats-Msg-Id dedupe, reports health and
// guards every send with the store's send-once records. NewWebhook
// returns the webhook's handler, built on connectors/webhook.
//
// # The Graph API as Meta runs it since v27.0
//
// Every call names the version in Config.Version (DefaultVersion, v27.0),
// paging links included, so that Meta's version upgrades never change
// behaviour unannounced. Apps created since 4 November 2026 may not use
// the Graph API's legacy features (date/time formatting, multi-ID
// requests, field aliases, HTTP method override, JSONP, batch requests),
// and v28.0 removes them for every app: the connector uses none, parses
// Graph's own time format ("2026-11-30T18:20:00+0000") itself, and
// refuses, before it leaves the process, any request that would carry
// one of their parameters.
//
// # Pulling
//
// Poll reads GET /{page-id}/conversations?platform=messenger (newest
// first) with each conversation's newest messages embedded (field
// expansion), then GET /{page-id}/feed with each post's newest comments
// embedded (filter=stream, so replies come too,
// order=reverse_chronological), following paging.next only where more is
// new than one page holds. A quiet poll costs two calls. Positions live
// in the store under "facebook:<page-id>:conversations", ":conversation:<id>",
// ":feed" and ":post:<id>": the newest time handled plus the ids handled
// at exactly that time. Facebook times have whole seconds, so an item
// written later in the same second as the newest one seen is found by
// looking at that second again and recognising ids; nothing older is
// read again. Positions are saved only after publish returned nil, and
// only when they changed: a crash gives a duplicate that dedupe drops,
// never a gap. The first poll reads the whole history unless
// Config.Backfill limits it.
//
// Items map to inbox.Inbound as follows. A Messenger message is Kind
// Message in Thread <conversation id> (t_…); its attachments are kept as
// references (inbox.Attachment: kind and URL), never downloaded, and a
// sticker is of kind "sticker" however Meta sent it (the sticker field,
// an image rendered as one, a webhook's "sticker" or, in older
// deliveries, an "image" with a sticker_id). A visitor post is Kind Post
// in its own Thread (the post id). A comment is Kind
// Comment with ParentID the parent comment or the post; its Thread is
// "<post id>/<author id>" under the Page's own posts (one public
// conversation per customer per post) and the post id under a visitor
// post (see CommentThread). The Page's own messages, posts and comments
// are skipped, so our replies never come back as work.
//
// # Webhooks
//
// Meta's deliveries are verified (X-Hub-Signature-256, HMAC-SHA256 of the
// raw body with the app secret) before anything is parsed. Messenger
// message events (messaging and standby) and feed changes (posts and
// comments added or edited) give the very items polling gives, field for
// field, so that Nats-Msg-Id (facebook:<kind>:<id>) stores an item seen
// both ways once. A delivery lacks two things an item needs: the
// conversation of a message (it names the sender's PSID) with the sender's
// name, and whether a commented post is the Page's own. Polling caches
// both; the webhook asks the Graph API only for what the cache lacks, once
// per new customer or post. An item whose look-up fails is left to
// polling, which then runs at its ordinary interval; echoes of our own
// sends, delivery and read receipts, removals and hides give no item.
// While deliveries arrive (WebhookDelivered), polling is a gap fill every
// Config.PollIntervalWithWebhooks.
//
// # Sending
//
// MessagingType and CheckPrivateReply are the Messenger window rules, as
// pure functions the router's reply guard shares: RESPONSE within 24 hours
// of the customer's last message, and HUMAN_AGENT only on a human agent's
// reply from 24 hours to 7 days. The message tags Meta retired in April
// 2026 (RetiredTags) are never sent. Send refuses (with
// connectors.ErrRefused and a reason an agent can read) rather than call
// Facebook when a rule forbids the action.
//
// A commenter's id (from.id of comments and visitor posts) is not their
// Messenger id (PSID, from.id of their messages). The Send API's answer to
// a Private Reply names the PSID (recipient_id); Send returns it as
// connectors.Sent.Recipient, the store records it as the action's
// recipient, and Ingest then links the customer's Messenger conversation
// to the public one (moved_to_private).
//
// # Errors and limits
//
// Graph API reads are spaced to Config.RequestsPerSecond per Page (2, the
// Conversations API's limit). The webhook's look-ups, which a customer's
// item waits on, take each next slot ahead of polling and profile
// look-ups (pacer.go); the spacing holds whoever calls. The usage headers
// (X-App-Usage, X-Page-Usage, X-Business-Use-Case-Usage) above 75%
// stretch the poll interval, up to 8× at 100%. Codes 4, 17, 32, 613 and the business-use-case family
// 80000–80014 stop every call until the estimated_time_to_regain_access
// the headers give, or Config.RateLimitWait, with a
// *connectors.RateLimitError. Error 10/1893063 (the Page temporarily
// restricted from sending) pauses Messenger sends for SendRestrictedWait
// the same way, with the reason on /healthz (WithHealth). Code 190 gives
// an error wrapping connectors.ErrUnauthorized, on which the Runner stops
// polling. Malformed items and pages are skipped, logged without their
// text and counted in metrics Skipped. Tokens, secrets and customer text
// are never logged.
//
// Package fbfake is a fake Graph API, with Meta's webhooks, for tests and
// the demo.
package facebook
