package app_test

import (
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/connectors/facebook/fbfake"
	"github.com/inboxbot/inboxbot/connectors/twitter/twfake"
	"github.com/inboxbot/inboxbot/health"
)

// TestUnauthorizedRetryIsConfigured: serve pauses polling after rejected
// credentials for facebook.unauthorized_retry and
// twitter.unauthorized_retry (default 5 minutes): with 1s, a token that
// the platforms accept again is noticed within seconds, with no restart.
func TestUnauthorizedRetryIsConfigured(t *testing.T) {
	const page = "1500100900"
	fb := fbfake.New(fbfake.Options{PageID: page, ConversationsPerSecond: 100})
	defer fb.Close()
	tw := twfake.New(twfake.Options{SelfServe: true})
	defer tw.Close()
	_, _, twToken, _ := tw.Credentials()
	a := runApp(t, append(xEnv(tw),
		"INBOXBOT_TWITTER_POLL_INTERVAL=200ms",
		"INBOXBOT_TWITTER_UNAUTHORIZED_RETRY=1s",
		"INBOXBOT_FACEBOOK_ENABLED=true",
		"INBOXBOT_FACEBOOK_PAGE_ID="+page,
		"INBOXBOT_FACEBOOK_PAGE_TOKEN="+fb.Token(),
		"INBOXBOT_FACEBOOK_GRAPH_URL="+fb.URL(),
		"INBOXBOT_FACEBOOK_POLL_INTERVAL=200ms",
		"INBOXBOT_FACEBOOK_REQUESTS_PER_SECOND=100",
		"INBOXBOT_FACEBOOK_UNAUTHORIZED_RETRY=1s",
	))
	// The guards are far under the default 5 minutes.
	waitStates := func(want health.State) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for {
			rep := a.Health.Report()
			if rep.Components["facebook"].State == want && rep.Components["twitter"].State == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("not both %s within 60 s: facebook %+v, twitter %+v", want, rep.Components["facebook"], rep.Components["twitter"])
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitStates(health.OK)
	fbToken := fb.Token()
	fb.ExpireToken()
	tw.ExpireToken()
	waitStates(health.Unauthorized)
	fb.SetToken(fbToken)
	tw.SetToken(twToken)
	waitStates(health.OK)
}
