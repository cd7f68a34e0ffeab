// Package fleet runs inboxbot as separate `inboxbot serve` processes for
// the multi-process tests (cluster, chaos): the processes, customers
// writing to the fake platforms (traffic.go), and the checks of what
// ended up in the store and on the platforms (checks.go).
package fleet

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/inboxbot/inboxbot/internal/testutil"
)

// Serve is one `inboxbot serve` process, which can be started again with
// the same data directory and HTTP address, as a supervisor would.
type Serve struct {
	*testutil.Proc
	// HTTP is the host:port of its web inbox, /healthz and /metrics.
	HTTP string
	// Data is its data_dir, where it keeps its instance id.
	Data string

	bin string
	env []string
}

// Start starts bin's `serve` with env added, data_dir dir/name and a free
// HTTP address, its output in dir/name.log.
func Start(t testing.TB, bin, dir, name string, env []string) *Serve {
	t.Helper()
	s := &Serve{bin: bin, HTTP: testutil.FreeAddr(t), Data: filepath.Join(dir, name)}
	if err := os.MkdirAll(s.Data, 0o700); err != nil {
		t.Fatal(err)
	}
	s.env = append(append([]string(nil), env...), "INBOXBOT_DATA_DIR="+s.Data, "INBOXBOT_HTTP_ADDR="+s.HTTP)
	s.Proc = testutil.StartProc(t, name, filepath.Join(dir, name+".log"), s.env, bin, "serve")
	return s
}

// Restart starts the process again (after it was killed), with the same
// settings and log.
func (s *Serve) Restart(t testing.TB) {
	t.Helper()
	s.Proc = testutil.StartProc(t, s.Name, s.Log, s.env, s.bin, "serve")
}

// WaitUp waits until the instance answers /healthz, which it serves once
// its bus, store and parts are open, and fails the test if it exits
// first or timeout passes.
func (s *Serve) WaitUp(t testing.TB, timeout time.Duration) {
	t.Helper()
	testutil.WaitFor(t, timeout, s.Name+" serving /healthz", func() bool {
		if s.Exited() {
			t.Fatalf("%s exited at start:\n%s", s.Name, testutil.Tail(s.Log, 40))
		}
		resp, err := http.Get("http://" + s.HTTP + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return true
	})
}

// Owner is how the instance names itself in polling leases:
// "<host>-<id>", the id kept in <data_dir>/instance-id so that a
// restarted instance recognises its own lease; "" until the instance
// has written it (it has once it serves).
func (s *Serve) Owner() string {
	host, _ := os.Hostname()
	id, err := os.ReadFile(filepath.Join(s.Data, "instance-id"))
	if err != nil || len(strings.TrimSpace(string(id))) == 0 {
		return ""
	}
	return host + "-" + strings.TrimSpace(string(id))
}

// LeaseHolders reads the polling leases in bucket: lease key (e.g.
// "facebook.<page id>", "twitter.default") → owner of the holder (see
// Serve.Owner). It gives up after 3 s.
func LeaseHolders(ctx context.Context, js jetstream.JetStream, bucket string) (map[string]string, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	kv, err := js.KeyValue(ctx, bucket)
	if err != nil {
		return nil, fmt.Errorf("lease bucket %s: %w", bucket, err)
	}
	keys, err := kv.ListKeys(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for k := range keys.Keys() {
		e, err := kv.Get(ctx, k)
		if err != nil {
			continue // expired or deleted meanwhile
		}
		out[k] = string(e.Value())
	}
	return out, nil
}
