// Package facebook is the Facebook Page connector: it pulls the Page's
// Messenger conversations and its feed (visitor posts, and comments under
// every post) from the Graph API, and sends Messenger messages, Private
// Replies, public comment replies and hides.
//
// It does platform I/O only. Connector implements connectors.Source and
// connectors.Sender and plugs into connectors.Runner, which runs the poll
// loop, publishes to INBOUND with Nats-Msg-Id dedupe, reports health and
// guards every send with the store's send-once records.
//
// # Pulling
//
// Poll reads GET /{page-id}/conversations?platform=messenger (newest
// first) and, for each conversation updated since the saved position,
// GET /{conversation-id}/messages; then GET /{page-id}/feed with each
// post's comments expanded (filter=stream, so replies come too,
// order=reverse_chronological), following paging.next of the feed and of
// each post's comments. Positions live in the store under
// "facebook:<page-id>:conversations", ":conversation:<id>", ":feed" and
// ":post:<id>": the newest time handled plus the ids seen within two
// minutes of it, because Facebook times have whole seconds and an item may
// show up a little after its time; once a later read has confirmed the
// position, that window closes so idle polls cost one call per list. They
// are saved only after publish returned nil: a crash gives a duplicate
// that dedupe drops, never a gap. The first poll reads the whole history
// unless Config.Backfill limits it.
//
// Items map to inbox.Inbound as follows. A Messenger message is Kind
// Message in Thread <conversation id> (t_…). A visitor post is Kind Post
// in its own Thread (the post id). A comment is Kind Comment with
// ParentID the parent comment or the post; its Thread is
// "<post id>/<author id>" under the Page's own posts (one public
// conversation per customer per post) and the post id under a visitor
// post (see CommentThread). The Page's own messages, posts and comments
// are skipped, so our replies never come back as work.
//
// # Sending
//
// MessagingType and CheckPrivateReply are the Messenger window rules, as
// pure functions the router's reply guard shares. Send refuses (with
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
// Codes 4, 17, 32, 613 and 80001, and a non-zero
// estimated_time_to_regain_access in X-Business-Use-Case-Usage, give a
// *connectors.RateLimitError and no call is made until it passes; the
// usage headers above 75% stretch the poll interval. Code 190 gives an
// error wrapping connectors.ErrUnauthorized, on which the Runner stops
// polling. Malformed items and pages are skipped, logged without their
// text and counted in metrics Skipped. Tokens, secrets and customer text
// are never logged.
//
// Package fbfake is a fake Graph API for tests and the demo.
package facebook
