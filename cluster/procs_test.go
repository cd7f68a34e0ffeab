package cluster_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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

// natsCluster is three nats-server processes forming a JetStream cluster,
// secured as docs/deploy.md shows: TLS with client certificates and
// authentication on both the client port and the routes.
type natsCluster struct {
	nodes []*testutil.Proc // n1..n3
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

func (c *natsCluster) node(name string) *testutil.Proc {
	for _, n := range c.nodes {
		if n.Name == name {
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
		client[i], routes[i] = testutil.FreePort(t), testutil.FreePort(t)
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
		c.nodes = append(c.nodes, testutil.StartProc(t, name, filepath.Join(dir, name+".log"), nil, bin, "-c", path))
		c.urls = append(c.urls, fmt.Sprintf("tls://127.0.0.1:%d", client[i]))
	}
	// Ready when JetStream has a meta leader: account info answers.
	nc, js := c.connect(t)
	defer nc.Close()
	testutil.WaitFor(t, 30*time.Second, "JetStream cluster ready", func() bool {
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
	testutil.WaitFor(t, 30*time.Second, "connecting to NATS", func() bool {
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
