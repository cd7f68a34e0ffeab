package main

import (
	"bufio"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/connectors/facebook/fbfake"
	"github.com/inboxbot/inboxbot/connectors/twitter/twfake"
	"github.com/inboxbot/inboxbot/internal/testutil"
)

// logLine is one line of serve's JSON log.
type logLine struct {
	Level string `json:"level"`
	Msg   string `json:"msg"`
	// Seconds is the time the language models took to load.
	Seconds *float64 `json:"seconds"`
}

// TestStartupLogIsQuiet is the start-up log's snapshot: a healthy start
// against the fakes, with customers' messages waiting on both platforms
// (so that items reach the router while the language models load), logs
// no warning and no error, and says once that the language models are
// loading and once that they are ready, with the time taken. A WARN at
// start-up trains operators to ignore warnings; a new line that is not a
// fault belongs at INFO or below.
func TestStartupLogIsQuiet(t *testing.T) {
	fb := fbfake.New(fbfake.Options{PageID: "1000", Token: "EAApage", AppID: "4242", AppSecret: "app-secret"})
	defer fb.Close()
	tw := twfake.New(twfake.Options{SelfServe: true})
	defer tw.Close()
	for i := range 5 {
		n := strconv.Itoa(i)
		fb.AddMessage("", fbfake.User{ID: "u" + n, Name: "Guest " + n}, "Hello, is breakfast included in booking "+n+"?", time.Time{})
		tw.AddMention(twfake.User{ID: int64(5000 + i), ScreenName: "guest" + n, Name: "Guest " + n}, "@HotelHelp is the pool open today? Room "+n, "en", 0)
	}
	ck, cs, at, as := tw.Credentials()
	addr := testutil.FreeAddr(t)
	environ := []string{
		"INBOXBOT_DATA_DIR=" + t.TempDir(),
		"INBOXBOT_HTTP_ADDR=" + addr,
		"INBOXBOT_LOG_FORMAT=json",
		"INBOXBOT_FACEBOOK_ENABLED=true", "INBOXBOT_FACEBOOK_PAGE_ID=1000", "INBOXBOT_FACEBOOK_PAGE_TOKEN=EAApage",
		"INBOXBOT_FACEBOOK_APP_ID=4242", "INBOXBOT_FACEBOOK_APP_SECRET=app-secret", "INBOXBOT_FACEBOOK_GRAPH_URL=" + fb.URL(),
		"INBOXBOT_TWITTER_ENABLED=true", "INBOXBOT_TWITTER_API_URL=" + tw.URLv2(),
		"INBOXBOT_TWITTER_CONSUMER_KEY=" + ck, "INBOXBOT_TWITTER_CONSUMER_SECRET=" + cs,
		"INBOXBOT_TWITTER_ACCESS_TOKEN=" + at, "INBOXBOT_TWITTER_ACCESS_SECRET=" + as,
	}
	// An agent exists, as in any start but the first.
	if code, _, errs := runCmd(t, environ, "", "agents", "add", "ana"); code != exitOK {
		t.Fatalf("agents add: %s", errs)
	}
	s := start(t, environ, nil, "serve")
	// Healthy: every component ok (the models loaded, both platforms
	// polled), and the waiting messages routed.
	waitFor(t, 180*time.Second, func() bool {
		status, _ := publicHealth(t, addr)
		return status == "ok" && strings.Count(s.stderr.String(), `"msg":"inboxbot running"`) == 1
	})
	waitFor(t, 120*time.Second, func() bool {
		code, out, _ := runCmd(t, environ, "", "conversations", "list", "--json", "--limit", "100")
		var list []json.RawMessage
		return code == exitOK && json.Unmarshal([]byte(out), &list) == nil && len(list) == 10
	})
	if code := s.stop(t); code != exitOK {
		t.Fatalf("serve exited %d", code)
	}

	var infos []string
	seen := map[string]bool{}
	said := map[string]int{}
	var loadSeconds *float64
	sc := bufio.NewScanner(strings.NewReader(s.stderr.String()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var l logLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Errorf("not a JSON log line: %s", sc.Text())
			continue
		}
		if l.Msg == "stopping: draining in-flight work" {
			break
		}
		said[l.Level+" "+l.Msg]++
		if l.Msg == "language models loaded" {
			loadSeconds = l.Seconds
		}
		switch l.Level {
		case "INFO", "DEBUG":
			if !seen[l.Msg] {
				seen[l.Msg] = true
				infos = append(infos, l.Msg)
			}
		default:
			t.Errorf("start-up logged %s: %s", l.Level, sc.Text())
		}
	}
	sort.Strings(infos)
	for _, want := range []string{"inboxbot running", "twitter account verified"} {
		if !seen[want] {
			t.Errorf("start-up did not log %q", want)
		}
	}
	for _, once := range []string{"INFO loading language models", "INFO language models loaded"} {
		if said[once] != 1 {
			t.Errorf("start-up logged %q %d times; want once", once, said[once])
		}
	}
	if loadSeconds == nil || *loadSeconds < 0 {
		t.Errorf("\"language models loaded\" gives no time taken (seconds: %v)", loadSeconds)
	}
	t.Logf("start-up INFO lines: %q", infos)
}
