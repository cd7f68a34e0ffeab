package cluster_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/inboxbot/inboxbot/internal/testutil"
)

// postgresSchema creates an empty schema and returns a DSN whose
// search_path selects it, and a connection to it for the test's own
// queries.
func postgresSchema(t *testing.T) (dsn string, db *sql.DB) {
	t.Helper()
	dsn, _ = testutil.PostgresSchema(t, "cluster")
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() }) // before the schema is dropped
	return dsn, db
}

// build compiles a main package into dir and returns the binary's path.
func build(t *testing.T, dir, name, pkg string) string {
	t.Helper()
	bin := filepath.Join(dir, name)
	start := time.Now()
	out, err := exec.CommandContext(t.Context(), "go", "build", "-o", bin, pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	t.Logf("built %s in %s", name, time.Since(start).Round(100*time.Millisecond))
	return bin
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// proc is a child process whose output goes to a log file.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	mu   sync.Mutex
	exit time.Time // when Wait returned
}

func startProc(t *testing.T, name, logPath string, env []string, bin string, args ...string) *proc {
	t.Helper()
	f, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		p.mu.Lock()
		p.exit = time.Now()
		p.mu.Unlock()
		_ = f.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		if !p.exited() {
			_ = cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("--- last lines of %s (%s):\n%s", name, logPath, tail(logPath, 40))
		}
	})
	return p
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// kill sends SIGKILL and returns when it was sent and when the process
// was gone.
func (p *proc) kill(t *testing.T) (sent, gone time.Time) {
	t.Helper()
	sent = time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("killing %s: %v", p.name, err)
	}
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not die within 10 s of SIGKILL", p.name)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return sent, p.exit
}

func tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}

// natsCluster is three nats-server processes forming a JetStream cluster,
// secured as docs/deploy.md shows: TLS with client certificates and
// authentication on both the client port and the routes.
type natsCluster struct {
	nodes []*proc // n1..n3
	urls  []string
	sec   *natsSecurity
}

func (c *natsCluster) url() string { return strings.Join(c.urls, ",") }

// checkRefusals asserts that the cluster turns away a client without the
// credentials or with a wrong password, one without a client certificate,
// one with the routes' user, and one that does not trust its CA.
func (c *natsCluster) checkRefusals(t *testing.T) {
	t.Helper()
	s := c.sec
	plain := strings.ReplaceAll(c.urls[0], "tls://", "nats://")
	for what, try := range map[string]func() (*nats.Conn, error){
		"no credentials": func() (*nats.Conn, error) {
			return nats.Connect(c.urls[0], nats.RootCAs(s.ca), nats.ClientCert(s.clientCert, s.clientKey))
		},
		"a wrong password": func() (*nats.Conn, error) {
			return nats.Connect(c.urls[0], append(s.clientOptions(), nats.UserInfo(s.user, "wrong"))...)
		},
		"no client cert": func() (*nats.Conn, error) {
			return nats.Connect(c.urls[0], nats.UserInfo(s.user, s.password), nats.RootCAs(s.ca))
		},
		"the route user": func() (*nats.Conn, error) {
			return nats.Connect(c.urls[0], nats.UserInfo(s.routeUser, s.routePassword), nats.RootCAs(s.ca), nats.ClientCert(s.clientCert, s.clientKey))
		},
		// nats.go upgrades to TLS when the server requires it, and then
		// cannot verify the cluster's private CA with the system's roots.
		"no CA": func() (*nats.Conn, error) { return nats.Connect(plain, nats.UserInfo(s.user, s.password)) },
	} {
		if nc, err := try(); err == nil {
			nc.Close()
			t.Errorf("the NATS cluster accepted a client with %s", what)
		}
	}
}

func (c *natsCluster) node(name string) *proc {
	for _, n := range c.nodes {
		if n.name == name {
			return n
		}
	}
	return nil
}

func startNATSCluster(t *testing.T, bin, dir string, n int) *natsCluster {
	t.Helper()
	c := &natsCluster{sec: newNATSSecurity(t, dir)}
	clientSec, clusterSec := c.sec.serverConfig(t)
	client := make([]int, n)
	routes := make([]int, n)
	var routeURLs []string
	for i := range n {
		client[i], routes[i] = freePort(t), freePort(t)
		routeURLs = append(routeURLs, c.sec.routeURL(routes[i]))
	}
	for i := range n {
		name := fmt.Sprintf("n%d", i+1)
		conf := fmt.Sprintf(`server_name: %s
listen: 127.0.0.1:%d
%s
jetstream {
  store_dir: %q
  max_memory_store: 64MB
  max_file_store: 1GB
}
cluster {
  name: inboxbot
  listen: 127.0.0.1:%d
%s
  routes: [
    %s
  ]
}
`, name, client[i], clientSec, filepath.Join(dir, name), routes[i], clusterSec, strings.Join(routeURLs, "\n    "))
		path := filepath.Join(dir, name+".conf")
		if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
		c.nodes = append(c.nodes, startProc(t, name, filepath.Join(dir, name+".log"), nil, bin, "-c", path))
		c.urls = append(c.urls, fmt.Sprintf("tls://127.0.0.1:%d", client[i]))
	}
	// Ready when JetStream has a meta leader: account info answers.
	nc, js := c.connect(t)
	defer nc.Close()
	waitFor(t, 30*time.Second, "JetStream cluster ready", func() bool {
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		_, err := js.AccountInfo(ctx)
		return err == nil
	})
	return c
}

// connect is the test's own connection to the cluster, with inboxbot's
// credentials and client certificate.
func (c *natsCluster) connect(t *testing.T) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	var nc *nats.Conn
	opts := append([]nats.Option{nats.MaxReconnects(-1), nats.ReconnectWait(100 * time.Millisecond), nats.Name("cluster-test")}, c.sec.clientOptions()...)
	waitFor(t, 30*time.Second, "connecting to NATS", func() bool {
		var err error
		nc, err = nats.Connect(c.url(), opts...)
		return err == nil
	})
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return nc, js
}

// serve is one `inboxbot serve` process.
type serve struct {
	*proc
	http string
	data string // its data_dir
}

// owner is how the instance names itself in polling leases:
// "<host>-<id>", the id kept in <data_dir>/instance-id so that a
// restarted instance recognises its own lease. It is there once the
// instance serves.
func (s *serve) owner(t *testing.T) string {
	t.Helper()
	host, _ := os.Hostname()
	id, err := os.ReadFile(filepath.Join(s.data, "instance-id"))
	if err != nil || len(strings.TrimSpace(string(id))) == 0 {
		t.Fatalf("%s has no instance id: %v", s.name, err)
	}
	return host + "-" + strings.TrimSpace(string(id))
}

func startServe(t *testing.T, bin, dir, name string, env []string) *serve {
	t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	data := filepath.Join(dir, name)
	if err := os.MkdirAll(data, 0o700); err != nil {
		t.Fatal(err)
	}
	env = append(append([]string(nil), env...), "INBOXBOT_DATA_DIR="+data, "INBOXBOT_HTTP_ADDR="+addr)
	p := startProc(t, name, filepath.Join(dir, name+".log"), env, bin, "serve")
	return &serve{proc: p, http: addr, data: data}
}

// waitUp waits until the instance answers /healthz, which it serves once
// its bus, store and parts are open.
func (s *serve) waitUp(t *testing.T, timeout time.Duration) {
	t.Helper()
	waitFor(t, timeout, s.name+" serving /healthz", func() bool {
		if s.exited() {
			t.Fatalf("%s exited at start:\n%s", s.name, tail(s.log, 40))
		}
		resp, err := http.Get("http://" + s.http + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return true
	})
}

// leaseHolders reads the polling leases: lease key → owner of the holder
// (see serve.owner).
func leaseHolders(ctx context.Context, js jetstream.JetStream, bucket string) (map[string]string, error) {
	kv, err := js.KeyValue(ctx, bucket)
	if err != nil {
		return nil, err
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
