// Package fbfake is a fake Facebook Graph API for tests and for `inboxbot
// demo`. It serves one Page's Messenger conversations and feed over real
// HTTP, in the wire format that github.com/huandu/facebook/v2 and the
// recorded payloads under connectors/facebook/testdata use, and behaves as
// Meta does for an app created after Graph API v27.0 (4 November 2026):
//
//   - GET requests carry access_token in the query, POSTs in a
//     form-encoded body whose non-string values are JSON
//     (recipient={"comment_id":"…"}); an "Authorization: Bearer" header
//     is accepted too. A leading version path ("/v27.0/") is recorded in
//     Call.Version and otherwise ignored.
//   - Times are Graph's own "2006-01-02T15:04:05+0000".
//   - The legacy features new apps may not use are refused with error 100
//     (Meta does not document the error; see LegacyCutoff): date_format,
//     multi-ID requests (ids), field aliases (.as()), HTTP method override
//     (method), JSONP (callback) and batch requests. Options.LegacyApp
//     serves an older app, which gets RFC 3339 times for date_format.
//   - Lists are {"data":[…],"paging":{"cursors":{…},"next":…}} with
//     cursor paging (limit, after). next is an absolute URL back to this
//     server that repeats the query and the access token (but not
//     appsecret_proof, which clients append); the last page has no next,
//     and an empty list has no paging at all.
//   - Field expansion works for the fields the connector uses, including
//     nested edges such as comments.filter(stream).order(reverse_chronological).limit(5){…}
//     and messages.limit(25){…} on conversations.
//   - Errors are {"error":{"message","type","code","error_subcode","fbtrace_id"}}
//     with HTTP 400 (403 for permission errors).
//   - Every response carries X-App-Usage, X-Page-Usage and
//     X-Business-Use-Case-Usage headers (see SetUsage).
//   - The Conversations API (conversations, a conversation, its messages)
//     allows Options.ConversationsPerSecond calls a second per Page (2 by
//     default, Meta's limit); past it, error 32 with the Page's usage at
//     100%.
//
// Endpoints: GET /{page}/conversations (platform, user_id, fields, limit,
// after), GET /{conversation}/messages, GET /{page}/feed (also /posts and
// /visitor_posts), GET /{post-or-comment}/comments (filter=stream|toplevel,
// order=chronological|reverse_chronological), GET /{id} for every node,
// POST /{page}/messages (ordinary messages and Private Replies, with the
// 24-hour, HUMAN_AGENT 7-day and one-private-reply-per-comment rules, and
// the message tags retired in April 2026 refused), POST
// /{post-or-comment}/comments (public replies) and POST /{comment}
// (is_hidden), which GET /{comment}?fields=is_hidden reads back. "me"
// means the Page. A sticker (Attachment type "sticker")
// is a message's sticker field.
//
// What the Page sends becomes part of the data, as on Facebook: a message
// sent to a customer is appended to their conversation with the Page as
// author, and a public reply is a comment by the Page. A client must skip
// its own items.
//
// A user has one id everywhere unless Options.DistinctPSIDs gives them a
// separate Messenger id (PSID), as Facebook does; a Private Reply's answer
// ({"recipient_id","message_id"}) then carries the commenter's PSID.
//
// Setting an app up (setup.go): the fb_exchange_token grant of
// /oauth/access_token, a user's Pages (/me/accounts), debug_token (with
// expires_at and data_access_expires_at), POST /{page}/subscribed_apps and
// POST /{app-id}/subscriptions, with user tokens from UserToken and the
// token's expiry and permissions set by SetTokenExpiry and SetScopes.
//
// Webhooks: SetWebhook makes Meta's verification request and subscribes
// the Page; every message (and echo of the Page's own), post, comment and
// hide then becomes an event, delivered in signed batches with retries,
// back-off and, after failing for an hour, a disabled subscription (see
// webhook.go). WaitDeliveries, PauseWebhook, ResumeWebhook, Deliveries,
// OutstandingDeliveries and DeliverRaw let tests drive it, as twfake's do.
//
// The state is scripted with AddMessage, AddPost, AddPagePost, AddComment
// (and AddRawMessage / AddRawComment for broken items), failures with
// InjectError / Inject, and the token with ExpireToken / SetToken. Calls
// (with each answer's error code), CustomerMessages, SentMessages,
// Replies and Hidden report what clients did. A Server is safe for
// concurrent use.
package fbfake
