// Package sla holds the service-level targets of the support team: how
// long a customer may wait for an agent's answer on each platform's
// public and private channel (the `policy.sla` settings), and what a wait
// means against them. It does no I/O, so that the desk's queue colours,
// its reports and the store's due-order all read the same rules.
package sla

import (
	"errors"
	"fmt"
	"time"

	"github.com/inboxbot/inboxbot/inbox"
)

// Target is the SLA of one platform's channel. Zero means no target.
type Target struct {
	// FirstResponse is how long a new conversation may wait for its
	// first agent answer.
	FirstResponse time.Duration `yaml:"first_response"`
	// NextResponse is how long a customer who wrote again after an
	// agent's answer may wait for the next one.
	NextResponse time.Duration `yaml:"next_response"`
}

// Channels are the targets of one platform's two channels.
type Channels struct {
	// Public: tweets that mention the account; comments and visitor posts
	// on the Page.
	Public Target `yaml:"public"`
	// Private: DMs; Messenger conversations.
	Private Target `yaml:"private"`
}

// Config is the `policy.sla` section:
//
//	policy:
//	  sla:
//	    twitter:  {public: {first_response: 1h, next_response: 1h}, private: {first_response: 1h, next_response: 1h}}
//	    facebook: {public: {...}, private: {...}}
//
// A target left out (or 0) takes its default; a negative one is an error.
// Set Disabled to turn every target off.
type Config struct {
	// Twitter is the targets of mentions (public) and DMs (private).
	Twitter Channels `yaml:"twitter"`
	// Facebook is the targets of comments and visitor posts (public) and
	// Messenger (private).
	Facebook Channels `yaml:"facebook"`
	// Disabled turns the SLA off: no target, no colours, no breaches.
	Disabled bool `yaml:"disabled"`
}

// DefaultTarget is every channel's default: an answer within the hour,
// the first and each next one, which is what customers of social support
// expect.
var DefaultTarget = Target{FirstResponse: time.Hour, NextResponse: time.Hour}

// MaxTarget bounds a target: longer is a typo, not a service level.
const MaxTarget = 30 * 24 * time.Hour

// WithDefaults returns c with every zero target set to DefaultTarget's.
func (c Config) WithDefaults() Config {
	for _, t := range c.targets() {
		if t.t.FirstResponse == 0 {
			t.t.FirstResponse = DefaultTarget.FirstResponse
		}
		if t.t.NextResponse == 0 {
			t.t.NextResponse = DefaultTarget.NextResponse
		}
	}
	return c
}

// Validate reports every target that is negative or longer than
// MaxTarget, by its key within the section.
func (c Config) Validate() error {
	var errs []error
	for _, t := range c.targets() {
		for _, f := range []struct {
			name string
			d    time.Duration
		}{{"first_response", t.t.FirstResponse}, {"next_response", t.t.NextResponse}} {
			if f.d < 0 || f.d > MaxTarget {
				errs = append(errs, fmt.Errorf("%s.%s.%s: %s is outside 0..%s", t.platform, t.channel, f.name, f.d, MaxTarget))
			}
		}
	}
	return errors.Join(errs...)
}

// keyed is a target with where it sits in the config.
type keyed struct {
	platform inbox.Platform
	channel  inbox.Channel
	t        *Target
}

// targets lists c's four targets, to be read or set in place.
func (c *Config) targets() []keyed {
	return []keyed{
		{inbox.Twitter, inbox.Public, &c.Twitter.Public},
		{inbox.Twitter, inbox.Private, &c.Twitter.Private},
		{inbox.Facebook, inbox.Public, &c.Facebook.Public},
		{inbox.Facebook, inbox.Private, &c.Facebook.Private},
	}
}

// For returns the target of platform p's channel ch; zero when the SLA is
// disabled or the channel unknown.
func (c Config) For(p inbox.Platform, ch inbox.Channel) Target {
	if c.Disabled {
		return Target{}
	}
	for _, t := range c.targets() {
		if t.platform == p && t.channel == ch {
			return *t.t
		}
	}
	return Target{}
}

// Channel is one platform channel and its target.
type Channel struct {
	Platform inbox.Platform
	Channel  inbox.Channel
	Target   Target
}

// Channels lists every platform channel with its target, in a fixed
// order; none when the SLA is disabled.
func (c Config) Channels() []Channel {
	if c.Disabled {
		return nil
	}
	var out []Channel
	for _, t := range c.targets() {
		out = append(out, Channel{Platform: t.platform, Channel: t.channel, Target: *t.t})
	}
	return out
}

// State is where a wait stands against its target.
type State string

// The states of a wait. Warning starts at WarnAt of the target.
const (
	// None: nothing is owed, or there is no target.
	None State = ""
	OK   State = "ok"
	// Warning: most of the target is used up (amber).
	Warning State = "warning"
	// Breached: the target has passed (red).
	Breached State = "breached"
)

// WarnAt is the share of a target after which a wait is a Warning.
const WarnAt = 0.75

// Due returns the target that applies: FirstResponse while the
// conversation has had no agent answer, NextResponse after.
func (t Target) Due(answered bool) time.Duration {
	if answered {
		return t.NextResponse
	}
	return t.FirstResponse
}

// State says where a customer who has waited for waited stands, with
// answered telling whether an agent answered the conversation before.
func (t Target) State(waited time.Duration, answered bool) State {
	due := t.Due(answered)
	switch {
	case due <= 0 || waited < 0:
		return None
	case waited > due:
		return Breached
	case float64(waited) >= WarnAt*float64(due):
		return Warning
	}
	return OK
}
