package cluster_test

import (
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/inboxbot/inboxbot/bus"
	"github.com/inboxbot/inboxbot/connectors"
	"github.com/inboxbot/inboxbot/connectors/facebook/fbfake"
	"github.com/inboxbot/inboxbot/connectors/twitter/twfake"
	"github.com/inboxbot/inboxbot/internal/testutil"
	"github.com/inboxbot/inboxbot/internal/testutil/fleet"
)

// The scenario's knobs.
const (
	pageID       = "1500100900"
	items        = 3000
	feedFor      = 40 * time.Second
	leaseTTL     = 2 * time.Second
	pollInterval = 250 * time.Millisecond
	// killLeaseAt and killNATSAt are how many items have been added when
	// the lease holder and then a NATS node are killed.
	killLeaseAt = 300
	killNATSAt  = 1800
	// settleFor bounds the wait for every action to reach a final state
	// after the feed. An action the killed instance had fetched but not
	// acknowledged is redelivered only after OUTBOUND's AckWait (2 min in
	// connectors.Runner), counted from the kill.
	settleFor = 150 * time.Second
)

// TestScaleOut runs three `serve` instances on a three-node JetStream
// cluster and one PostgreSQL schema, feeds 3,000 items through the fake
// platforms, kills the instance that holds the polling leases and then a
// NATS node, and checks that every item is stored once, polling is taken
// over within 2 × lease TTL, every action is sent at most once (and once
// unless its outcome was lost with the killed instance), and no request
// was rate-limited.
//
// The cluster is secured as docs/deploy.md shows: TLS with client
// certificates on the client port and the routes, a bus user (its
// password from a file, a bcrypt hash on the servers) and a route user.
// The instances read the password, the TLS files and the DSN from files;
// the cluster refuses clients without them, `config show` masks the
// password, and no log holds it.
func TestScaleOut(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process test; skipped with -short")
	}
	dsn, db := postgresSchema(t)
	began := time.Now()
	dir := t.TempDir()
	natsBin := testutil.Build(t, dir, "nats-server", "github.com/nats-io/nats-server/v2")
	bin := testutil.Build(t, dir, "inboxbot", "github.com/inboxbot/inboxbot/cmd/inboxbot")

	cl := startNATSCluster(t, natsBin, dir, 3)
	nc, js := cl.connect(t)
	t.Cleanup(nc.Close)
	cl.checkRefusals(t)
	// The DSN comes from a file, as the deploy guide has it: a real one
	// holds the database password.
	dsnFile := cl.sec.write(t, "dsn", []byte(dsn+"\n"))

	fb := fbfake.New(fbfake.Options{PageID: pageID})
	t.Cleanup(fb.Close)
	// X's send limits are per user and the three instances send in
	// parallel, each knowing only its own calls' headers: with the real 15
	// DMs per window they would draw 429s, which the connector handles
	// (the action waits) but this test counts as a failure of polling.
	tw := twfake.New(twfake.Options{Window: 2 * time.Second, SelfServe: true,
		Limits: map[string]int{twfake.DMSend: 500, twfake.CreateTweet: 500}})
	t.Cleanup(tw.Close)
	ck, cs, at, as := tw.Credentials()
	env := []string{
		"INBOXBOT_LOG_FORMAT=json",
		"INBOXBOT_NATS_URL=" + cl.url(),
		"INBOXBOT_NATS_REPLICAS=3",
		"INBOXBOT_NATS_LEASE_TTL=" + leaseTTL.String(),
		"INBOXBOT_STORE_DRIVER=postgres",
		"INBOXBOT_STORE_DSN_FILE=" + dsnFile,
		"INBOXBOT_FACEBOOK_ENABLED=true",
		"INBOXBOT_FACEBOOK_PAGE_ID=" + pageID,
		"INBOXBOT_FACEBOOK_PAGE_TOKEN=" + fb.Token(),
		"INBOXBOT_FACEBOOK_GRAPH_URL=" + fb.URL(),
		"INBOXBOT_FACEBOOK_POLL_INTERVAL=" + pollInterval.String(),
		"INBOXBOT_FACEBOOK_PAGE_SIZE=100",
		"INBOXBOT_TWITTER_ENABLED=true",
		"INBOXBOT_TWITTER_CONSUMER_KEY=" + ck,
		"INBOXBOT_TWITTER_CONSUMER_SECRET=" + cs,
		"INBOXBOT_TWITTER_ACCESS_TOKEN=" + at,
		"INBOXBOT_TWITTER_ACCESS_SECRET=" + as,
		"INBOXBOT_TWITTER_API_URL=" + tw.URLv2(), // X API v2, the default
		"INBOXBOT_TWITTER_POLL_INTERVAL=" + pollInterval.String(),
		// A light language detector: the texts below are in these
		// languages, and three instances share two cores.
		"INBOXBOT_POLICY_LANGUAGE_LANGUAGES=en,es,it,fr,de,id,pt",
		"INBOXBOT_POLICY_TWITTER_ACCOUNT_ID=" + tw.Self().IDStr(),
		"INBOXBOT_POLICY_FACEBOOK_PAGE_ID=" + pageID,
	}
	env = append(env, cl.sec.env()...)
	checkConfigShow(t, bin, env, cl.sec.password)
	tr := fleet.NewTraffic(fb, tw, 8, texts, mix)

	// s1 starts alone, so it takes both polling leases: killing it then
	// exercises the takeover of both platforms.
	s1 := fleet.Start(t, bin, dir, "s1", env)
	s1.WaitUp(t, 90*time.Second)
	testutil.WaitFor(t, 30*time.Second, "s1 holding both polling leases", func() bool {
		h, err := fleet.LeaseHolders(t.Context(), js, connectors.LeaseBucket)
		return err == nil && len(h) == 2 && h["facebook."+pageID] == s1.Owner() && h["twitter.default"] == s1.Owner()
	})
	s2 := fleet.Start(t, bin, dir, "s2", env)
	s3 := fleet.Start(t, bin, dir, "s3", env)
	s2.WaitUp(t, 90*time.Second)
	s3.WaitUp(t, 90*time.Second)
	instances := []*fleet.Serve{s1, s2, s3}
	checkReplicas(t, js)
	t.Logf("cluster up after %s", time.Since(began).Round(100*time.Millisecond))

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	feedStart := time.Now()
	fed := make(chan struct{})
	go func() { defer close(fed); tr.FeedN(ctx, items, feedFor, 1) }()

	// 1. SIGKILL the lease holder; another instance must poll within 2 × TTL.
	testutil.WaitFor(t, feedFor, "items fed before the lease kill", func() bool { return tr.Added() >= killLeaseAt })
	holders, err := fleet.LeaseHolders(t.Context(), js, connectors.LeaseBucket)
	if err != nil {
		t.Fatal(err)
	}
	var victim *fleet.Serve
	for _, s := range instances {
		if s.Owner() == holders["facebook."+pageID] {
			victim = s
		}
	}
	if victim == nil {
		t.Fatalf("no instance holds the facebook lease: %v", holders)
	}
	var held []string
	for k, owner := range holders {
		if owner == victim.Owner() {
			held = append(held, strings.SplitN(k, ".", 2)[0])
		}
	}
	sort.Strings(held)
	killed, gone := victim.Kill(t)
	t.Logf("SIGKILLed %s (pid %d, leases %v) at item %d", victim.Name, victim.PID(), held, tr.Added())
	takeover := map[string]time.Duration{}
	testutil.WaitFor(t, 4*leaseTTL+5*time.Second, "polling taken over", func() bool {
		for _, p := range held {
			if _, ok := takeover[p]; ok {
				continue
			}
			if at, ok := fleet.FirstPollAfter(fb, tw, pageID, p, gone); ok {
				takeover[p] = at.Sub(killed)
			}
		}
		return len(takeover) == len(held)
	})
	for _, p := range held {
		t.Logf("%s polling taken over %s after the kill", p, takeover[p].Round(time.Millisecond))
		if takeover[p] > 2*leaseTTL {
			t.Errorf("%s: polling taken over after %s, want within 2 × TTL = %s", p, takeover[p].Round(time.Millisecond), 2*leaseTTL)
		}
	}
	if h, err := fleet.LeaseHolders(t.Context(), js, connectors.LeaseBucket); err != nil {
		t.Error(err)
	} else {
		for k, owner := range h {
			if owner == victim.Owner() {
				t.Errorf("lease %s still names the killed instance", k)
			}
		}
	}

	// 2. SIGKILL a NATS node; R3 survives it. The node chosen leads
	// OUTBOUND, so that the routers' publishes of actions, the step between
	// the store's commit and the ack, meet a leader election.
	testutil.WaitFor(t, feedFor, "items fed before the NATS kill", func() bool { return tr.Added() >= killNATSAt })
	led := map[string][]string{} // node → streams it leads
	for _, name := range []string{bus.StreamOutbound, bus.StreamInbound, "KV_" + connectors.LeaseBucket} {
		l := streamLeader(t, js, name)
		led[l] = append(led[l], name)
	}
	leader := streamLeader(t, js, bus.StreamOutbound)
	node := cl.node(leader)
	if node == nil {
		t.Fatalf("stream leader %q is not one of the nodes", leader)
	}
	natsKilled, _ := node.Kill(t)
	t.Logf("SIGKILLed NATS node %s (leader of %v) at item %d", leader, led[leader], tr.Added())
	for _, name := range led[leader] {
		testutil.WaitFor(t, 30*time.Second, "a new "+name+" leader", func() bool {
			l, err := tryStreamLeader(js, name)
			return err == nil && l != "" && l != leader
		})
		t.Logf("%s has a new leader %s after the kill", name, time.Since(natsKilled).Round(time.Millisecond))
	}

	select {
	case <-fed:
	case <-time.After(feedFor + 30*time.Second):
		t.Fatal("feeding did not finish")
	}
	t.Logf("fed %d items in %s", tr.Added(), time.Since(feedStart).Round(100*time.Millisecond))
	want, byKind := tr.Snapshot()

	// 3. Everything stored exactly once.
	var stored map[string]int
	testutil.WaitFor(t, 60*time.Second, "every item stored", func() bool {
		stored = fleet.StoredMessages(t.Context(), db)
		for k := range want {
			if stored[k] == 0 {
				return false
			}
		}
		return true
	})
	t.Logf("all %d items stored %s after the feed ended", len(want), time.Since(feedStart.Add(feedFor)).Round(100*time.Millisecond))
	time.Sleep(2 * time.Second) // a late duplicate would show up now
	stored = fleet.StoredMessages(t.Context(), db)
	if stored == nil {
		t.Fatal("the store does not answer")
	}
	for k, n := range stored {
		if n > 1 {
			t.Errorf("message %s stored %d times", k, n)
		}
	}
	var extra []string
	for k := range stored {
		if _, ok := want[k]; !ok {
			extra = append(extra, k)
		}
	}
	if len(extra) > 0 {
		t.Errorf("%d stored inbound messages the test never added (e.g. %v): own items stored as customers'?", len(extra), extra[:min(5, len(extra))])
	}

	// 4. Actions: settled, and each sent at most once.
	settleStart := time.Now()
	deadline := killed.Add(settleFor)
	for fleet.PendingActions(t.Context(), db) != 0 && time.Now().Before(deadline) {
		time.Sleep(250 * time.Millisecond)
	}
	t.Logf("actions settled %s after the feed (%s after the lease kill)", time.Since(settleStart).Round(100*time.Millisecond), time.Since(killed).Round(100*time.Millisecond))
	time.Sleep(time.Second) // a late send would show up now
	if n := fleet.PendingActions(t.Context(), db); n != 0 {
		// Were they ever published? The OUTBOUND consumers tell.
		for _, d := range []string{"connector-facebook", "connector-twitter"} {
			if c, err := js.Consumer(t.Context(), bus.StreamOutbound, d); err == nil {
				if ci, err := c.Info(t.Context()); err == nil {
					t.Logf("%d actions pending; consumer %s: %d waiting, %d ack pending, %d redelivered", n, d, ci.NumPending, ci.NumAckPending, ci.NumRedelivered)
				}
			}
		}
	}
	// At most one send per platform was in flight in the killed instance
	// (the send loop handles one action at a time); its outcome is
	// unknown unless the platform can tell (a Facebook hide).
	fleet.CheckActions(t, fleet.LoadActions(t, db), fleet.Deliveries(fb, tw), 2)

	// 5. No rate limiting.
	if n := tw.RateLimited(); n != 0 {
		t.Errorf("twitter fake answered %d requests with 429", n)
	}
	statuses := map[int]int{}
	for _, c := range fb.Calls() {
		statuses[c.Status]++
	}
	if statuses[429] != 0 {
		t.Errorf("facebook fake answered %d requests with 429", statuses[429])
	}
	t.Logf("facebook fake statuses: %v; requests by shape: %s", statuses, fbShapes(fb.Calls()))
	twStatuses := map[int]int{}
	for _, c := range tw.Calls() {
		twStatuses[c.Status]++
	}
	t.Logf("twitter fake statuses: %v", twStatuses)

	for _, s := range instances {
		if s != victim && s.Exited() {
			t.Errorf("%s exited", s.Name)
		}
	}
	t.Logf("items by kind: %s", fleet.KindSummary(byKind))
	// 6. The bus password never reached a log.
	for _, s := range instances {
		if data, err := os.ReadFile(s.Log); err != nil {
			t.Error(err)
		} else if strings.Contains(string(data), cl.sec.password) {
			t.Errorf("%s logged the NATS password", s.Name)
		}
	}
	t.Logf("runtime %s", time.Since(began).Round(100*time.Millisecond))
}

// checkConfigShow runs `inboxbot config show` with the instances'
// settings: it accepts them, shows the bus user and TLS files, and masks
// the password.
func checkConfigShow(t *testing.T, bin string, env []string, password string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), bin, "config", "show")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("config show: %v\n%s", err, out)
	}
	if strings.Contains(string(out), password) {
		t.Errorf("config show prints the NATS password:\n%s", out)
	}
	for _, want := range []string{"user: inboxbot", "password: '********'", "tls_ca: ", "tls_cert: ", "tls_key: "} {
		if !strings.Contains(string(out), want) {
			t.Errorf("config show lacks %q:\n%s", want, out)
		}
	}
}

// fbShapes counts the Graph API requests by method and path shape.
func fbShapes(calls []fbfake.Call) string {
	n := map[string]int{}
	for _, c := range calls {
		segs := strings.Split(strings.Trim(c.Path, "/"), "/")
		for i, s := range segs {
			if s != pageID && (i == 0 || i < len(segs)-1) {
				segs[i] = "{id}"
			}
		}
		n[c.Method+" /"+strings.Join(segs, "/")]++
	}
	keys := slices.SortedFunc(maps.Keys(n), func(a, b string) int { return n[b] - n[a] })
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%d", k, n[k]))
	}
	return strings.Join(parts, " ")
}

// checkReplicas asserts that the streams and the lease bucket are R3.
func checkReplicas(t *testing.T, js jetstream.JetStream) {
	t.Helper()
	for _, name := range []string{bus.StreamInbound, bus.StreamOutbound, bus.StreamDead, "KV_" + connectors.LeaseBucket} {
		s, err := js.Stream(t.Context(), name)
		if err != nil {
			t.Errorf("stream %s: %v", name, err)
			continue
		}
		info, err := s.Info(t.Context())
		if err != nil {
			t.Errorf("stream %s info: %v", name, err)
			continue
		}
		if info.Config.Replicas != 3 {
			t.Errorf("stream %s has %d replicas, want 3", name, info.Config.Replicas)
		}
		if info.Cluster == nil || info.Cluster.Leader == "" || len(info.Cluster.Replicas) != 2 {
			t.Errorf("stream %s cluster info = %+v, want a leader and 2 replicas", name, info.Cluster)
		}
	}
}

func tryStreamLeader(js jetstream.JetStream, name string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, name)
	if err != nil {
		return "", err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return "", err
	}
	if info.Cluster == nil {
		return "", fmt.Errorf("stream %s has no cluster info", name)
	}
	return info.Cluster.Leader, nil
}

func streamLeader(t *testing.T, js jetstream.JetStream, name string) string {
	t.Helper()
	l, err := tryStreamLeader(js, name)
	if err != nil || l == "" {
		t.Fatalf("leader of %s: %q, %v", name, l, err)
	}
	return l
}
