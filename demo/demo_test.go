package demo

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/inboxbot/inboxbot/config"
	"github.com/inboxbot/inboxbot/internal/testutil"
)

// TestRunRestartsAfterTheTokenIsRenewed runs the demo in process through
// the token's expiry, its renewal and the restart of inboxbot, then stops
// it; with -race it also checks the demo's own goroutines.
func TestRunRestartsAfterTheTokenIsRenewed(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo for about 25 s")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &testutil.Buffer{} // read while Run writes
	errc := make(chan error, 1)
	go func() {
		errc <- Run(ctx, Options{
			DataDir: filepath.Join(t.TempDir(), "data"), Rate: 600, Seed: 3, Addr: "127.0.0.1:0",
			Out: out, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		})
	}()
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(out.String(), "inboxbot restarted") {
		select {
		case err := <-errc:
			t.Fatalf("Run returned early: %v\n%s", err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no restart within 60 s:\n%s", out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	var rec Recorded
	resp, err := http.Get(testutil.WordAfter(out.String(), LabelRecorded))
	if err != nil {
		t.Fatal(err)
	}
	err = json.NewDecoder(resp.Body).Decode(&rec)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if rec.Seed != 3 || rec.Delivered == 0 || rec.ScriptMessages < rec.Delivered || len(rec.Events) != 4 || !strings.Contains(rec.Events[0].Text, "webhooks registered") || rec.Facebook.TokenExpired {
		t.Errorf("unexpected record: seed %d, %d delivered of %d, events %v, token expired %v",
			rec.Seed, rec.Delivered, rec.ScriptMessages, rec.Events, rec.Facebook.TokenExpired)
	}
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return within 10 s of cancellation")
	}
}

func TestDefaultAddrFallsBackToAFreePort(t *testing.T) {
	// Whoever holds the default address, this test or another program,
	// the demo must pick another port rather than fail.
	if ln, err := net.Listen("tcp", "127.0.0.1:8080"); err == nil {
		defer ln.Close()
	}
	got, err := pickAddr("")
	if err != nil || got != "127.0.0.1:0" {
		t.Fatalf("pickAddr(\"\") = %q, %v; want 127.0.0.1:0", got, err)
	}
	if got, err := pickAddr("127.0.0.1:9999"); err != nil || got != "127.0.0.1:9999" {
		t.Fatalf("an explicit address is kept: %q, %v", got, err)
	}
	if _, err := pickAddr("nonsense"); err == nil {
		t.Fatal("a bad address is accepted")
	}
}

func TestDataDirMustBeNewOrEmpty(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "inboxbot.db"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	err := Run(context.Background(), Options{DataDir: dir})
	if err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("Run in a used data dir: %v", err)
	}
	fresh := filepath.Join(t.TempDir(), "new")
	d, cleanup, err := dataDir(fresh)
	if err != nil || d != fresh {
		t.Fatalf("dataDir(%s) = %s, %v", fresh, d, err)
	}
	cleanup()
	if _, err := os.Stat(fresh); err != nil {
		t.Fatal("a given data dir is removed on exit")
	}
}

func TestConfigKeepsTheDemoAwayFromRealAccounts(t *testing.T) {
	base := config.Config{}.WithDefaults()
	base.Store.Driver, base.Store.DSN = "postgres", "postgres://prod.example/inboxbot"
	base.NATS.URL = "nats://prod.example:4222"
	base.Facebook.Enabled, base.Facebook.PageID, base.Facebook.PageToken = true, "real-page", "real-token"
	base.Log.Level = "debug"
	f := startFakes()
	defer f.close()
	c, err := demoConfig(base, "/tmp/x", "127.0.0.1:0", f)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case c.Store.Driver != "sqlite" || c.Store.DSN != filepath.Join("/tmp/x", "inboxbot.db"):
		t.Errorf("store %+v", c.Store)
	case c.NATS.URL != "" || c.NATS.StoreDir != filepath.Join("/tmp/x", "nats") || c.NATS.Replicas != 1:
		t.Errorf("nats %+v", c.NATS)
	case c.Facebook.PageToken == "real-token" || c.Facebook.GraphURL != f.fb.URL() || c.Twitter.APIURL != f.tw.URLv2():
		t.Errorf("platforms not the fakes: %s %s", c.Facebook.GraphURL, c.Twitter.APIURL)
	case c.Log.Level != "debug":
		t.Errorf("the base config's log level was dropped")
	case c.Policy.Twitter.AccountID != f.tw.Self().IDStr() || c.Policy.Contact.Email == "":
		t.Errorf("policy %+v", c.Policy)
	}
}
