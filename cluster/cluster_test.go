package cluster_test

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/inboxbot/inboxbot/bus"
	"github.com/inboxbot/inboxbot/connectors"
	"github.com/inboxbot/inboxbot/connectors/facebook/fbfake"
	"github.com/inboxbot/inboxbot/connectors/twitter/twfake"
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
	natsBin := build(t, dir, "nats-server", "github.com/nats-io/nats-server/v2")
	bin := build(t, dir, "inboxbot", "github.com/inboxbot/inboxbot/cmd/inboxbot")

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
	tr := newTraffic(fb, tw, 8)

	// s1 starts alone, so it takes both polling leases: killing it then
	// exercises the takeover of both platforms.
	s1 := startServe(t, bin, dir, "s1", env)
	s1.waitUp(t, 90*time.Second)
	waitFor(t, 30*time.Second, "s1 holding both polling leases", func() bool {
		h, err := leaseHolders(t.Context(), js, connectors.LeaseBucket)
		return err == nil && len(h) == 2 && h["facebook."+pageID] == s1.owner(t) && h["twitter.default"] == s1.owner(t)
	})
	s2 := startServe(t, bin, dir, "s2", env)
	s3 := startServe(t, bin, dir, "s3", env)
	s2.waitUp(t, 90*time.Second)
	s3.waitUp(t, 90*time.Second)
	instances := []*serve{s1, s2, s3}
	checkReplicas(t, js)
	t.Logf("cluster up after %s", time.Since(began).Round(100*time.Millisecond))

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	feedStart := time.Now()
	fed := make(chan struct{})
	go func() { defer close(fed); tr.feed(ctx, items, feedFor, 1) }()

	// 1. SIGKILL the lease holder; another instance must poll within 2 × TTL.
	waitFor(t, feedFor, "items fed before the lease kill", func() bool { return tr.added.Load() >= killLeaseAt })
	holders, err := leaseHolders(t.Context(), js, connectors.LeaseBucket)
	if err != nil {
		t.Fatal(err)
	}
	var victim *serve
	for _, s := range instances {
		if s.owner(t) == holders["facebook."+pageID] {
			victim = s
		}
	}
	if victim == nil {
		t.Fatalf("no instance holds the facebook lease: %v", holders)
	}
	var held []string
	for k, owner := range holders {
		if owner == victim.owner(t) {
			held = append(held, strings.SplitN(k, ".", 2)[0])
		}
	}
	sort.Strings(held)
	killed, gone := victim.kill(t)
	t.Logf("SIGKILLed %s (pid %d, leases %v) at item %d", victim.name, victim.pid(), held, tr.added.Load())
	takeover := map[string]time.Duration{}
	waitFor(t, 4*leaseTTL+5*time.Second, "polling taken over", func() bool {
		for _, p := range held {
			if _, ok := takeover[p]; ok {
				continue
			}
			if at, ok := firstPollAfter(fb, tw, p, gone); ok {
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
	if h, err := leaseHolders(t.Context(), js, connectors.LeaseBucket); err != nil {
		t.Error(err)
	} else {
		for k, owner := range h {
			if owner == victim.owner(t) {
				t.Errorf("lease %s still names the killed instance", k)
			}
		}
	}

	// 2. SIGKILL a NATS node; R3 survives it. The node chosen leads
	// OUTBOUND, so that the routers' publishes of actions, the step between
	// the store's commit and the ack, meet a leader election.
	waitFor(t, feedFor, "items fed before the NATS kill", func() bool { return tr.added.Load() >= killNATSAt })
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
	natsKilled, _ := node.kill(t)
	t.Logf("SIGKILLed NATS node %s (leader of %v) at item %d", leader, led[leader], tr.added.Load())
	for _, name := range led[leader] {
		waitFor(t, 30*time.Second, "a new "+name+" leader", func() bool {
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
	t.Logf("fed %d items in %s", tr.added.Load(), time.Since(feedStart).Round(100*time.Millisecond))
	want, byKind := tr.snapshot()

	// 3. Everything stored exactly once.
	var stored map[string]int
	waitFor(t, 60*time.Second, "every item stored", func() bool {
		stored = storedMessages(t, db)
		for k := range want {
			if stored[k] == 0 {
				return false
			}
		}
		return true
	})
	t.Logf("all %d items stored %s after the feed ended", len(want), time.Since(feedStart.Add(feedFor)).Round(100*time.Millisecond))
	time.Sleep(2 * time.Second) // a late duplicate would show up now
	stored = storedMessages(t, db)
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
	for pendingActions(t, db) > 0 && time.Now().Before(deadline) {
		time.Sleep(250 * time.Millisecond)
	}
	t.Logf("actions settled %s after the feed (%s after the lease kill)", time.Since(settleStart).Round(100*time.Millisecond), time.Since(killed).Round(100*time.Millisecond))
	time.Sleep(time.Second) // a late send would show up now
	if n := pendingActions(t, db); n > 0 {
		// Were they ever published? The OUTBOUND consumers tell.
		for _, d := range []string{"connector-facebook", "connector-twitter"} {
			if c, err := js.Consumer(t.Context(), bus.StreamOutbound, d); err == nil {
				if ci, err := c.Info(t.Context()); err == nil {
					t.Logf("%d actions pending; consumer %s: %d waiting, %d ack pending, %d redelivered", n, d, ci.NumPending, ci.NumAckPending, ci.NumRedelivered)
				}
			}
		}
	}
	acts := loadActions(t, db)
	checkActions(t, acts, deliveries(fb, tw))

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
		if s != victim && s.exited() {
			t.Errorf("%s exited", s.name)
		}
	}
	t.Logf("items by kind: %s", kindSummary(byKind))
	// 6. The bus password never reached a log.
	for _, s := range instances {
		if data, err := os.ReadFile(s.log); err != nil {
			t.Error(err)
		} else if strings.Contains(string(data), cl.sec.password) {
			t.Errorf("%s logged the NATS password", s.name)
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

func kindSummary(byKind [numKinds]int) string {
	var parts []string
	for k, n := range byKind {
		parts = append(parts, fmt.Sprintf("%s=%d", kindNames[k], n))
	}
	return strings.Join(parts, " ")
}

// firstPollAfter returns the time of the first poll request the platform's
// fake received after t.
func firstPollAfter(fb *fbfake.Server, tw *twfake.Server, platform string, t time.Time) (time.Time, bool) {
	switch platform {
	case "facebook":
		for _, c := range fb.Calls() {
			if c.Method == "GET" && c.At.After(t) && (c.Path == "/"+pageID+"/conversations" || c.Path == "/"+pageID+"/feed") {
				return c.At, true
			}
		}
	case "twitter":
		for _, c := range tw.Calls() {
			if c.At.After(t) && (c.Endpoint == twfake.UserMentions || c.Endpoint == twfake.DMEvents) {
				return c.At, true
			}
		}
	}
	return time.Time{}, false
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

// storedMessages counts the stored inbound messages by
// "<platform>:<external id>".
func storedMessages(t *testing.T, db *sql.DB) map[string]int {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), `SELECT platform, external_id, count(*) FROM messages WHERE direction = 'in' GROUP BY platform, external_id`)
	if err != nil {
		return nil // the schema may not be migrated yet
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var p, id string
		var n int
		if err := rows.Scan(&p, &id, &n); err != nil {
			t.Fatal(err)
		}
		out[p+":"+id] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func pendingActions(t *testing.T, db *sql.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(t.Context(), `SELECT count(*) FROM actions WHERE state = 'pending'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// action is a stored action.
type action struct {
	id                                            int64
	platform, kind, key, purpose, target, recip   string
	text, state, platformID, errText, requestedBy string
	attempts                                      int
}

func loadActions(t *testing.T, db *sql.DB) []action {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), `SELECT id, platform, kind, action_key, purpose, target, recipient, text, state, platform_id, error, requested_by, attempts FROM actions ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []action
	for rows.Next() {
		var a action
		if err := rows.Scan(&a.id, &a.platform, &a.kind, &a.key, &a.purpose, &a.target, &a.recip, &a.text, &a.state, &a.platformID, &a.errText, &a.requestedBy, &a.attempts); err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// delivery is an action a fake platform carried out.
type delivery struct {
	platform, kind, target, recip, text, platformID string
}

// deliveries lists what the fakes recorded: tweets and DMs posted, users
// followed, comments posted, Messenger messages and Private Replies sent,
// and comments hidden.
func deliveries(fb *fbfake.Server, tw *twfake.Server) []delivery {
	var out []delivery
	for _, r := range tw.Replies() {
		target := ""
		if r.InReplyTo != 0 {
			target = strconv.FormatInt(r.InReplyTo, 10)
		}
		out = append(out, delivery{"twitter", "reply", target, "", r.Text, strconv.FormatInt(r.ID, 10)})
	}
	for _, d := range tw.DMs() {
		out = append(out, delivery{"twitter", "dm", "", strconv.FormatInt(d.To, 10), d.Text, strconv.FormatInt(d.ID, 10)})
	}
	for _, u := range tw.Follows() {
		out = append(out, delivery{"twitter", "follow", "", strconv.FormatInt(u, 10), "", ""})
	}
	for _, r := range fb.Replies() {
		out = append(out, delivery{"facebook", "reply", r.Target, "", r.Text, r.ID})
	}
	for _, m := range fb.SentMessages() {
		switch {
		case m.CommentID != "":
			out = append(out, delivery{"facebook", "private_reply", m.CommentID, "", m.Text, m.ID})
		case m.PostID != "":
			out = append(out, delivery{"facebook", "private_reply", m.PostID, "", m.Text, m.ID})
		default:
			out = append(out, delivery{"facebook", "dm", "", m.RecipientID, m.Text, m.ID})
		}
	}
	for _, c := range fb.Calls() {
		if c.Method == "POST" && c.Status == 200 && c.Params.Has("is_hidden") && strings.Count(c.Path, "/") == 1 {
			out = append(out, delivery{"facebook", "hide", strings.TrimPrefix(c.Path, "/"), "", c.Params.Get("is_hidden"), ""})
		}
	}
	return out
}

// checkActions checks the stored actions against what the fakes did:
// no duplicate keys, nothing left pending, every delivery belongs to one
// action and no action was delivered twice, every sent action was
// delivered, and only the sends in flight in the killed instance are
// unknown.
func checkActions(t *testing.T, acts []action, dels []delivery) {
	t.Helper()
	byState := map[string]int{}
	byKind := map[string]int{}
	keys := map[string]int{}
	pids := map[string]int{}
	failed := map[string]int{}
	for _, a := range acts {
		byState[a.state]++
		byKind[a.platform+"/"+a.kind]++
		keys[a.key]++
		if a.platformID != "" {
			pids[a.platform+"/"+a.platformID]++
		}
		if a.state == "failed" {
			failed[a.platform+"/"+a.kind+": "+a.errText]++
		}
	}
	t.Logf("%d actions: by state %v, by kind %v", len(acts), byState, byKind)
	if len(acts) == 0 {
		t.Errorf("the router decided no actions at all: is the policy wired into serve (app.policy)?")
	}
	for k, n := range keys {
		if n > 1 {
			t.Errorf("action key %s stored %d times", k, n)
		}
	}
	for k, n := range pids {
		if n > 1 {
			t.Errorf("platform id %s recorded on %d actions", k, n)
		}
	}
	if byState["pending"] > 0 {
		t.Errorf("%d actions still pending at the end", byState["pending"])
		for _, a := range acts {
			if a.state == "pending" {
				t.Logf("pending: %+v", a)
			}
		}
	}
	// At most one send per platform was in flight in the killed instance
	// (the send loop handles one action at a time).
	if byState["unknown"] > 2 {
		t.Errorf("%d actions unknown, want at most 2 (one in-flight send per platform in the killed instance)", byState["unknown"])
	}
	for _, r := range slices.Sorted(maps.Keys(failed)) {
		t.Logf("failed: %d × %s", failed[r], r)
	}

	// Each target got at most one of each kind, and no delivery repeats.
	seen := map[string]int{}
	for _, d := range dels {
		k := d.platform + "/" + d.kind + " target=" + d.target + " recipient=" + d.recip
		if d.kind == "dm" {
			k += " text=" + d.text
		}
		seen[k]++
	}
	for k, n := range seen {
		if n > 1 {
			t.Errorf("delivered %d times: %s", n, k)
		}
	}

	// Every delivery belongs to exactly one action; every sent action was
	// delivered once.
	byPID := map[string]*action{}
	byTarget := map[string][]*action{}
	for i := range acts {
		a := &acts[i]
		if a.platformID != "" {
			byPID[a.platform+"/"+a.platformID] = a
		}
		byTarget[a.platform+"/"+a.kind+"/"+a.target+"/"+a.recip] = append(byTarget[a.platform+"/"+a.kind+"/"+a.target+"/"+a.recip], a)
	}
	delivered := map[int64]int{}
	for _, d := range dels {
		var a *action
		if d.platformID != "" {
			a = byPID[d.platform+"/"+d.platformID]
		}
		if a == nil {
			// Not recorded as sent: the killed instance's in-flight send,
			// or an action without a platform id (hide, follow).
			for _, c := range byTarget[d.platform+"/"+d.kind+"/"+d.target+"/"+d.recip] {
				if c.state == "unknown" || (c.platformID == "" && c.state == "sent") {
					a = c
					break
				}
			}
		}
		if a == nil {
			t.Errorf("delivery without a matching sent/unknown action: %+v", d)
			continue
		}
		delivered[a.id]++
	}
	for _, a := range acts {
		n := delivered[a.id]
		switch {
		case n > 1:
			t.Errorf("action %d (%s %s %s) delivered %d times", a.id, a.platform, a.kind, a.key, n)
		case a.state == "sent" && n != 1:
			t.Errorf("action %d (%s %s %s) is sent but the platform has %d deliveries", a.id, a.platform, a.kind, a.key, n)
		case (a.state == "failed" || a.state == "pending") && n != 0:
			t.Errorf("action %d (%s %s) is %s but was delivered", a.id, a.platform, a.kind, a.state)
		case a.state == "unknown":
			t.Logf("unknown action %d (%s %s): delivered %d times", a.id, a.platform, a.kind, n)
		}
	}
}
