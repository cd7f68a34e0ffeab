// Package twitter is the Twitter (API v1.1) connector of inboxbot: it pulls
// the mentions and direct messages of the support account and sends the
// replies, DMs and follows the router or an agent decided on. It does only
// platform I/O; every policy decision lives in the router.
//
// # Calls
//
// API calls go through github.com/dghubble/go-twitter, signed with OAuth
// 1.0a user context by github.com/dghubble/oauth1. go-twitter's base URL
// is fixed to https://api.twitter.com/1.1/, so a RoundTripper rewrites it
// to Config.APIURL: the same code runs against the real API, a proxy, and
// the fake in package twfake. The DM list is decoded by hand because
// go-twitter cannot decode an integer next_cursor; error bodies are kept by
// the transport because go-twitter cannot decode the legacy
// {"errors":"text"} form.
//
// The account's own user id and screen name come from
// account/verify_credentials on the first Poll, Send or Self, so that New
// does no I/O.
//
// # Pulling
//
// Mentions come from statuses/mentions_timeline (tweet_mode=extended,
// count=200). A burst of more than one page is paged backwards with max_id;
// since_id moves forward only when the whole gap is in, and the gap's
// position is saved after each page, so a restart mid-gap loses and
// repeats nothing. Requests ask for since_id-1 so that the newest known
// mention comes back as a sentinel marking the bottom of the gap: a poll
// that finds nothing new costs one request.
//
// DMs come from direct_messages/events/list (count=50, cursor paging,
// newest first) down to a watermark: the newest event already published.
// An empty page with a next_cursor is followed.
//
// Our own tweets and DMs and all retweets are skipped. Tweet language is
// passed through as Twitter gives it ("in", "und", ...).
//
// # Rate limits
//
// Every response's x-rate-limit-remaining and x-rate-limit-reset are
// tracked per endpoint. Routine polls of an endpoint are spaced by
// max(poll_interval, time to reset / remaining calls), paging stops when a
// window's budget is spent (the position is kept), and a 429 waits for the
// reset, once per window. Poll returns the wait until the next endpoint is
// due, so the Runner never calls before the budget allows.
//
// # Cursors
//
// Positions are JSON values in the store under twitter:<user id>:mentions
// and twitter:<user id>:dms.
package twitter
