package twfake

import (
	"github.com/inboxbot/inboxbot/connectors/twitter/twittertext"
	"maps"
)

// The price keys of X's pay-per-use v2 pricing, for DefaultPrices and
// Options.Prices. X bills by the resource, not by the request: a mentions
// page of 40 tweets is 40 post reads.
const (
	// PricePostRead is each post a read endpoint returns (mentions).
	PricePostRead = "post_read"
	// PriceDMEventRead is each DM event dm_events returns.
	PriceDMEventRead = "dm_event_read"
	// PriceUserRead is each user a read endpoint returns (users/me).
	PriceUserRead = "user_read"
	// PricePostCreate is each post created without a URL in its text.
	PricePostCreate = "post_create"
	// PricePostCreateURL is each post created with a URL in its text, which
	// X prices higher to discourage link spam.
	PricePostCreateURL = "post_create_url"
	// PriceDMCreate is each DM sent.
	PriceDMCreate = "dm_create"
)

// DefaultPrices returns X's pay-per-use price of each key, in
// micro-dollars (1,000,000 µ$ = $1) so that sums of many small charges
// stay exact. It is the one place these numbers live: correct them here
// when X changes its price list. It returns a new map each time, so
// callers may change it.
func DefaultPrices() map[string]int64 {
	return map[string]int64{
		PricePostRead:      1_000,   // $0.001
		PriceDMEventRead:   10_000,  // $0.010
		PriceUserRead:      10_000,  // $0.010
		PricePostCreate:    15_000,  // $0.015
		PricePostCreateURL: 200_000, // $0.20
		PriceDMCreate:      15_000,  // $0.015
	}
}

// postPrice is the price key of creating a post with text: X charges more
// when the text holds a link, by the rule X shortens links with
// (twittertext.HasLink: a scheme, or a host name such as help.example.com).
func postPrice(text string) string {
	if twittertext.HasLink(text) {
		return PricePostCreateURL
	}
	return PricePostCreate
}

// Bill returns what the v2 calls so far cost, in micro-dollars: the sum of
// every successful call's Cost.
func (s *Server) Bill() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var total int64
	for _, v := range s.bill {
		total += v
	}
	return total
}

// BillByEndpoint returns the bill split by endpoint (UserMentions,
// DMEvents, …), in micro-dollars. Endpoints that cost nothing are absent.
func (s *Server) BillByEndpoint() map[string]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := maps.Clone(s.bill)
	maps.DeleteFunc(out, func(_ string, v int64) bool { return v == 0 })
	return out
}
