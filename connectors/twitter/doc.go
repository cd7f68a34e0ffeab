// Package twitter is the X (Twitter) connector of inboxbot: it pulls the
// mentions and direct messages of the support account, takes them from
// X's webhooks too, and sends the replies, DMs and follows the router or
// an agent decided on. It does only platform I/O; every policy decision
// lives in the router.
//
// # Two API versions
//
// The Connector keeps the cursors, rate-limit budgets and spend; a small
// internal api interface speaks one version of the wire format
// (twitter.api):
//
//   - v2 (default, every access level, pay-per-use included), a thin
//     client of our own on net/http (docs/architecture.md says why):
//     GET /2/users/me for the account's id and handle,
//     GET /2/users/:id/mentions, GET /2/dm_events (MessageCreate events),
//     POST /2/tweets with reply.in_reply_to_tweet_id, and
//     POST /2/dm_conversations/with/:participant_id/messages, which finds
//     or creates the 1:1 conversation. Following is refused (ErrRefused):
//     self-serve API access no longer has it. The wire format is decoded
//     in v2wire.go, tested against the payloads recorded in testdata/v2.
//   - v1.1, for Enterprise contracts only, through
//     github.com/dghubble/go-twitter: account/verify_credentials,
//     statuses/mentions_timeline (tweet_mode=extended),
//     direct_messages/events/list, statuses/update (with
//     auto_populate_reply_metadata), direct_messages/events/new and
//     friendships/create. go-twitter's base URL is fixed, so a RoundTripper
//     rewrites it to twitter.api_url; the DM list is decoded by hand
//     because go-twitter cannot decode an integer next_cursor, and error
//     bodies are kept by the transport because it cannot decode the legacy
//     {"errors":"text"} form. A self-serve account gets 403 code 453 here.
//
// Both sign with OAuth 1.0a user context (github.com/dghubble/oauth1,
// the four secrets of the twitter section) and map X's objects to the
// same inbox.Inbound, so a mention or DM has the same dedupe id whether
// v1.1, v2 or a webhook brought it. The account's id and handle are
// learnt by the first Poll or Self, so that New does no I/O. Our own
// posts and DMs and all retweets are skipped; the language is passed
// through as X gives it ("in", "und", ...).
//
// # Pulling
//
// Mentions are read newest first and paged down to the cursor with
// since_id and until_id (v1.1: max_id) rather than v2's
// pagination_token: the position of an unfinished gap is saved after
// each page, and an id survives a restart where an opaque token may have
// expired, so a restart mid-gap loses and repeats nothing. until_id is
// exclusive where max_id is inclusive, so v2 asks for max_id+1. since_id
// moves forward only once the whole gap is in. Requests ask for
// since_id-1 so that the newest known mention comes back as a sentinel
// marking the bottom of the gap: a poll that finds nothing new costs one
// request (in v2, one post read). X v2 serves only the 800 newest
// mentions; a deeper gap ends at an empty page, and that is logged.
//
// DMs have no since parameter: the list (v2 dm_events, which keeps 30
// days; v1.1 direct_messages/events/list) is read newest first from the
// top down to a watermark, the newest event already published, following
// the page cursor; an empty page with a cursor is followed.
//
// # Webhooks
//
// NewWebhook serves /webhooks/twitter: the CRC check (GET with
// crc_token, answered with the token's HMAC-SHA256 under the consumer
// secret) and deliveries signed the same way over the body, in the
// x-twitter-webhooks-signature header. It reads
// both of X's formats (ParseWebhook): the Account Activity API's
// (tweet_create_events, direct_message_events) and the X Activity API's
// (post.mention.create, post.reply.create, dm.received); events for
// another account are ignored. While signed deliveries arrive
// (WebhookDelivered), polling slows to twitter.poll_interval_with_webhooks
// and only fills gaps. Setup makes the calls of `inboxbot connect x`: the
// PIN-based OAuth flow, and registering the webhook and subscribing the
// account.
//
// # Spend
//
// In v2 mode each successful call is metered at twitter.prices (X's
// pay-per-use prices by default) per resource returned or created: each
// post read, DM event read and user read, each post (a post whose text
// holds a link, by twittertext.HasLink, at post_create_url) and each DM.
// The spend.Meter feeds inboxbot_platform_spend_usd_total{platform,
// endpoint} and today's total (UTC). Once twitter.daily_budget_usd is
// reached, each feed is polled only every BudgetPollInterval, the
// router's automatic actions are held back with connectors.ErrOverBudget
// while agents' actions still go, and customer profile look-ups (GET
// /2/users, LookupProfiles) ask only for as many users as the budget
// still affords. v1.1 is billed by contract and not metered.
//
// # Rate limits and refusals
//
// Every response's x-rate-limit-remaining and x-rate-limit-reset are
// tracked per endpoint (reset moved onto our clock when the Date header
// shows a skew). Routine polls of an endpoint are spaced by
// max(poll interval, time to reset / remaining calls), paging stops when
// a window's budget is spent (the position is kept, with when the budget
// returns), and no call is made while nothing remains. A 429 (or code
// 88) waits for the reset, or a whole 15-minute window without the
// header. Poll returns the wait until the next endpoint is due, so the
// Runner never calls before the budget allows.
//
// A 401 (or code 32 or 89) wraps connectors.ErrUnauthorized, with what to
// do: renew the tokens with `inboxbot connect x`; the Runner then pauses
// polling for twitter.unauthorized_retry. A 403 with code 453 or
// v2's client-forbidden problem type is a *connectors.ForbiddenError: the
// endpoint is not called again for connectors.ForbiddenWait (10 minutes),
// and the reason says what to change (twitter.api: v2, or the app's
// project, credits and permissions). Other 4xx answers to a send fail
// the action with X's reason (connectors.ErrRefused); a 5xx, a lost
// answer or an unreadable success leaves its outcome unknown.
//
// # Cursors
//
// Positions are JSON values in the store under twitter:<user id>:mentions
// and twitter:<user id>:dms.
package twitter
