// Package fbfake is a fake Facebook Graph API for tests and for `inboxbot
// demo`. It serves one Page's Messenger conversations and feed over real
// HTTP, in the wire format that github.com/huandu/facebook/v2 and the
// recorded payloads under connectors/facebook/testdata use:
//
//   - GET requests carry access_token in the query, POSTs in a
//     form-encoded body whose non-string values are JSON
//     (recipient={"comment_id":"…"}); an "Authorization: Bearer" header
//     is accepted too. A leading version path ("/v19.0/") is ignored.
//   - Times are "2006-01-02T15:04:05+0000" unless the request asks for
//     date_format=Y-m-d\TH:i:sP, which gives RFC 3339 with a colon.
//   - Lists are {"data":[…],"paging":{"cursors":{…},"next":…}} with
//     cursor paging (limit, after). next is an absolute URL back to this
//     server that repeats the query and the access token (but not
//     appsecret_proof, which clients append); the last page has no next,
//     and an empty list has no paging at all.
//   - Field expansion works for the fields the connector uses, including
//     nested edges such as comments.filter(stream).order(reverse_chronological).limit(5){…}.
//   - Errors are {"error":{"message","type","code","error_subcode","fbtrace_id"}}
//     with HTTP 400 (403 for permission errors).
//   - Every response carries X-App-Usage, X-Page-Usage and
//     X-Business-Use-Case-Usage headers (see SetUsage).
//
// Endpoints: GET /{page}/conversations (platform, user_id, fields, limit,
// after), GET /{conversation}/messages, GET /{page}/feed (also /posts and
// /visitor_posts), GET /{post-or-comment}/comments (filter=stream|toplevel,
// order=chronological|reverse_chronological), GET /{id} for every node,
// POST /{page}/messages (ordinary messages and Private Replies, with the
// 24-hour, HUMAN_AGENT 7-day and one-private-reply-per-comment rules), POST
// /{post-or-comment}/comments (public replies) and POST /{comment}
// (is_hidden). "me" means the Page.
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
// The state is scripted with AddMessage, AddPost, AddPagePost, AddComment
// (and AddRawMessage / AddRawComment for broken items), failures with
// InjectError / Inject, and the token with ExpireToken / SetToken. Calls,
// SentMessages, Replies and Hidden report what clients did. A Server is
// safe for concurrent use.
package fbfake
