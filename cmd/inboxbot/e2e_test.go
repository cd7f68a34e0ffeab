package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/inboxbot/inboxbot/bench"
	"github.com/inboxbot/inboxbot/bus"
	"github.com/inboxbot/inboxbot/internal/testutil"
)

// binary is the inboxbot binary built once for the end-to-end tests: the
// static binary that deploy/Dockerfile ships (see staticBuild), so that
// the tests run what operators run and TestStaticBinary shares the build.
var (
	binOnce sync.Once
	binPath string
	binErr  error
)

func buildBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "inboxbot-e2e")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "inboxbot")
		args, err := staticBuild()
		if err != nil {
			binErr = err
			return
		}
		cmd := exec.Command("go", append(append([]string{"build"}, args...), "-o", binPath, ".")...)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build %v: %v\n%s", args, err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// serveProc is one `inboxbot serve` process.
type serveProc struct {
	cmd  *exec.Cmd
	done chan error
	log  *testutil.Buffer
}

func startServe(t *testing.T, env []string) *serveProc {
	t.Helper()
	cmd := exec.Command(buildBinary(t), "serve")
	cmd.Env = append(os.Environ(), env...)
	// One writer for both, so that os/exec copies them in one goroutine.
	log := &testutil.Buffer{}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serveProc{cmd: cmd, done: make(chan error, 1), log: log}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("serve output:\n%s", log.String())
		}
	})
	return p
}

// natsTarget is where the test publishes: the serve process's embedded
// server (reached through nats.listen) or an external server.
type natsTarget struct {
	url string   // what the test connects to
	env []string // what serve is given
	// external is true when the bus outlives serve.
	external bool
}

func embeddedTarget(t *testing.T) natsTarget {
	addr := testutil.FreeAddr(t)
	return natsTarget{url: "nats://" + addr, env: []string{"INBOXBOT_NATS_LISTEN=" + addr}}
}

// externalTarget is the machine's NATS when INBOXBOT_TEST_NATS_URL is set
// (CI), else a nats-server process this test starts.
func externalTarget(t *testing.T) natsTarget {
	url := os.Getenv("INBOXBOT_TEST_NATS_URL")
	if url == "" {
		url = startNATSProcess(t)
	}
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatalf("external NATS %s: %v", url, err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	// A clean slate: earlier runs may have left streams behind.
	for _, s := range []string{bus.StreamInbound, bus.StreamOutbound, bus.StreamDead} {
		_ = js.DeleteStream(context.Background(), s)
	}
	return natsTarget{url: url, env: []string{"INBOXBOT_NATS_URL=" + url, "INBOXBOT_NATS_REPLICAS=1"}, external: true}
}

func startNATSProcess(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "nats-server")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/nats-io/nats-server/v2").CombinedOutput(); err != nil {
		t.Fatalf("building nats-server: %v\n%s", err, out)
	}
	addr := testutil.FreeAddr(t)
	host, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command(bin, "-a", host, "-p", port, "-js", "-sd", filepath.Join(dir, "js"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	url := "nats://" + addr
	waitFor(t, 10*time.Second, func() bool {
		nc, err := nats.Connect(url)
		if err == nil {
			nc.Close()
		}
		return err == nil
	})
	return url
}

func waitFor(t *testing.T, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s", timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// publishTraffic publishes items to INBOUND over TCP, retrying until the
// server is up.
func publishTraffic(t *testing.T, url string, items []any) {
	t.Helper()
	var nc *nats.Conn
	waitFor(t, 60*time.Second, func() bool {
		var err error
		nc, err = nats.Connect(url)
		return err == nil
	})
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx := context.Background()
	waitFor(t, 30*time.Second, func() bool { _, err := js.Stream(ctx, bus.StreamInbound); return err == nil })
	var futures []jetstream.PubAckFuture
	for _, it := range items {
		m := it.(msg)
		// A loaded machine acks slowly: wait for room rather than fail.
		f, err := js.PublishAsync(m.subject, m.data, jetstream.WithMsgID(m.id), jetstream.WithStallWait(30*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		futures = append(futures, f)
	}
	for _, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			t.Fatalf("publish: %v", err)
		case <-time.After(30 * time.Second):
			t.Fatal("publish ack timeout")
		}
	}
}

type msg struct {
	subject, id string
	data        []byte
}

func traffic(seed int64, n int) []any {
	var out []any
	for _, it := range bench.Traffic(seed, n) {
		data, _ := json.Marshal(&it)
		out = append(out, msg{it.Subject(), it.MsgID(), data})
	}
	return out
}

// storedCount counts stored inbound messages in the SQLite file, and
// fails on any duplicate external id.
func storedCount(t *testing.T, dbPath string) int {
	t.Helper()
	if _, err := os.Stat(dbPath); err != nil {
		return 0
	}
	db := readStore(t, dbPath)
	defer db.Close()
	var n, distinct int
	if err := db.QueryRow(`SELECT count(*), count(DISTINCT platform || ':' || external_id) FROM messages WHERE direction = 'in'`).Scan(&n, &distinct); err != nil {
		return 0 // schema not there yet
	}
	if n != distinct {
		t.Fatalf("%d stored messages but only %d distinct: duplicates", n, distinct)
	}
	return n
}

// readStore opens the SQLite store at dbPath read-only, beside a running
// serve.
func readStore(t *testing.T, dbPath string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+dbPath+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func serveEnv(t *testing.T, dataDir string, target natsTarget) []string {
	return append([]string{
		"INBOXBOT_DATA_DIR=" + dataDir,
		"INBOXBOT_HTTP_ADDR=" + testutil.FreeAddr(t),
		"INBOXBOT_LOG_FORMAT=json",
		// Twitter items arrive here without a Twitter connector, so the
		// policy is told our account id instead of asking the connector.
		"INBOXBOT_POLICY_TWITTER_ACCOUNT_ID=999",
	}, target.env...)
}

func testCrashRestart(t *testing.T, target natsTarget) {
	dataDir := t.TempDir()
	db := filepath.Join(dataDir, "inboxbot.db")
	env := serveEnv(t, dataDir, target)
	p := startServe(t, env)
	items := traffic(11, 5000)
	publishTraffic(t, target.url, items)
	// SIGKILL mid-stream: some but not all items stored.
	waitFor(t, 60*time.Second, func() bool { return storedCount(t, db) > 0 })
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.done
	before := storedCount(t, db)
	t.Logf("stored %d of 5000 before SIGKILL", before)

	startServe(t, env)
	waitFor(t, 120*time.Second, func() bool { return storedCount(t, db) >= 5000 })
	time.Sleep(500 * time.Millisecond) // anything extra would show up now
	if got := storedCount(t, db); got != 5000 {
		t.Fatalf("stored %d messages after restart, want exactly 5000", got)
	}
}

func TestServeCrashRestartEmbedded(t *testing.T) { testCrashRestart(t, embeddedTarget(t)) }

func TestServeCrashRestartExternalNATS(t *testing.T) { testCrashRestart(t, externalTarget(t)) }

func TestServeSIGTERMUnderLoad(t *testing.T) {
	target := embeddedTarget(t)
	dataDir := t.TempDir()
	db := filepath.Join(dataDir, "inboxbot.db")
	env := serveEnv(t, dataDir, target)
	p := startServe(t, env)
	publishTraffic(t, target.url, traffic(12, 5000))
	waitFor(t, 60*time.Second, func() bool { return storedCount(t, db) > 0 })
	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("serve exited with %v after SIGTERM, want 0", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not exit within 10 s of SIGTERM")
	}
	t.Logf("exited %s after SIGTERM with %d stored", time.Since(start).Round(time.Millisecond), storedCount(t, db))
	// Nothing lost: a restart finishes the rest.
	startServe(t, env)
	waitFor(t, 120*time.Second, func() bool { return storedCount(t, db) >= 5000 })
	if got := storedCount(t, db); got != 5000 {
		t.Fatalf("stored %d, want 5000", got)
	}
}

func TestBadConfigExitsTwoNamingTheKey(t *testing.T) {
	bin := buildBinary(t)
	cfg := testutil.WriteFile(t, "inboxbot.yaml", "facebook:\n  enabled: true\n  pagge_id: x\n")
	for _, args := range [][]string{{"config", "check", "--config", cfg}, {"serve", "--config", cfg}} {
		cmd := exec.Command(bin, args...)
		out, err := cmd.CombinedOutput()
		code := -1
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		if code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s", args, code, out)
		}
		for _, key := range []string{"facebook.pagge_id", "facebook.page_token"} {
			if !strings.Contains(string(out), key) {
				t.Errorf("%v: output does not name %s:\n%s", args, key, out)
			}
		}
	}
	ok := exec.Command(bin, "config", "check")
	ok.Dir = t.TempDir()
	if out, err := ok.CombinedOutput(); err != nil {
		t.Errorf("config check with defaults: %v\n%s", err, out)
	}
}
