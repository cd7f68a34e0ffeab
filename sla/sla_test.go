package sla_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/inbox"
	"github.com/inboxbot/inboxbot/sla"
)

func TestDefaultsAndFor(t *testing.T) {
	c := sla.Config{Twitter: sla.Channels{Private: sla.Target{FirstResponse: 15 * time.Minute}}}.WithDefaults()
	if got := c.For(inbox.Twitter, inbox.Private); got != (sla.Target{FirstResponse: 15 * time.Minute, NextResponse: time.Hour}) {
		t.Errorf("twitter private = %+v: a set target must stay, the other default", got)
	}
	if got := c.For(inbox.Facebook, inbox.Public); got != sla.DefaultTarget {
		t.Errorf("facebook public = %+v, want the default", got)
	}
	if got := c.For("myspace", inbox.Public); got != (sla.Target{}) {
		t.Errorf("unknown platform = %+v, want none", got)
	}
	if n := len(c.Channels()); n != 4 {
		t.Errorf("%d channels, want 4", n)
	}
	c.Disabled = true
	if c.For(inbox.Twitter, inbox.Private) != (sla.Target{}) || c.Channels() != nil {
		t.Error("a disabled SLA has targets")
	}
}

func TestValidate(t *testing.T) {
	if err := (sla.Config{}).WithDefaults().Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
	bad := sla.Config{
		Twitter:  sla.Channels{Public: sla.Target{FirstResponse: -time.Minute}},
		Facebook: sla.Channels{Private: sla.Target{NextResponse: 31 * 24 * time.Hour}},
	}
	err := bad.Validate()
	if err == nil {
		t.Fatal("negative and huge targets accepted")
	}
	for _, key := range []string{"twitter.public.first_response", "facebook.private.next_response"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("error %q does not name %s", err, key)
		}
	}
}

func TestState(t *testing.T) {
	target := sla.Target{FirstResponse: time.Hour, NextResponse: 20 * time.Minute}
	for _, tc := range []struct {
		waited   time.Duration
		answered bool
		want     sla.State
	}{
		{10 * time.Minute, false, sla.OK},
		{45 * time.Minute, false, sla.Warning},
		{61 * time.Minute, false, sla.Breached},
		{10 * time.Minute, true, sla.OK},
		{15 * time.Minute, true, sla.Warning},
		{21 * time.Minute, true, sla.Breached},
		{-time.Minute, false, sla.None},
	} {
		if got := target.State(tc.waited, tc.answered); got != tc.want {
			t.Errorf("State(%v, answered %v) = %q, want %q", tc.waited, tc.answered, got, tc.want)
		}
	}
	if got := (sla.Target{}).State(time.Hour, false); got != sla.None {
		t.Errorf("no target: %q", got)
	}
}

func ExampleTarget_State() {
	c := sla.Config{}.WithDefaults()
	dm := c.For(inbox.Twitter, inbox.Private)
	for _, waited := range []time.Duration{20 * time.Minute, 50 * time.Minute, 70 * time.Minute} {
		fmt.Println(waited, dm.State(waited, false))
	}
	// Output:
	// 20m0s ok
	// 50m0s warning
	// 1h10m0s breached
}
