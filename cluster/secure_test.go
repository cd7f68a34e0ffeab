package cluster_test

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"
	"golang.org/x/crypto/bcrypt"

	"github.com/inboxbot/inboxbot/internal/testutil"
)

// natsSecurity is what secures the test's NATS cluster, as a deployment
// would have it (docs/deploy.md): a private CA; one certificate per node
// (here one for all three, all on 127.0.0.1) serving clients and routes;
// a client certificate for inboxbot; a client user whose password the
// servers keep only as a bcrypt hash; and a separate route user.
type natsSecurity struct {
	dir                      string // secrets live here, mode 0600
	ca, nodeCert, nodeKey    string // PEM files
	clientCert, clientKey    string
	user, password           string // the clients' NATS user
	passwordFile             string
	routeUser, routePassword string
}

func newNATSSecurity(t *testing.T, dir string) *natsSecurity {
	t.Helper()
	s := &natsSecurity{dir: filepath.Join(dir, "secrets"), user: "inboxbot", routeUser: "route"}
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	s.password, s.routePassword = randomSecret(t), randomSecret(t)
	s.passwordFile = s.write(t, "nats_password", []byte(s.password+"\n"))

	ca := testutil.NewCA(t, s.dir, "inboxbot cluster test CA")
	s.ca = ca.File
	// A node's certificate serves clients and routes, and authenticates
	// it when it dials the other nodes' routes: both usages.
	// (Certificates are for 127.0.0.1, the address clients and routes
	// dial and the one each node advertises to clients for reconnecting.)
	s.nodeCert, s.nodeKey = ca.Issue(t, "nats-node", x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth)
	s.clientCert, s.clientKey = ca.Issue(t, "inboxbot", x509.ExtKeyUsageClientAuth)
	return s
}

func randomSecret(t *testing.T) string {
	t.Helper()
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func (s *natsSecurity) write(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(s.dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// serverConfig is the part of a node's nats-server config that secures
// it: TLS with client certificates and the clients' user for the client
// port, and TLS with client certificates and the route user for the
// cluster block (the routes themselves are routeURLs).
func (s *natsSecurity) serverConfig(t *testing.T) (clientBlock, clusterBlock string) {
	t.Helper()
	// The servers keep only a bcrypt hash of the clients' password, as
	// `nats server passwd` makes.
	hash, err := bcrypt.GenerateFromPassword([]byte(s.password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	tlsBlock := fmt.Sprintf(`tls {
  cert_file: %q
  key_file: %q
  ca_file: %q
  verify: true
  timeout: 5
}`, s.nodeCert, s.nodeKey, s.ca)
	clientBlock = tlsBlock + fmt.Sprintf(`
authorization {
  users: [
    {user: %q, password: %q}
  ]
  timeout: 5
}
`, s.user, string(hash))
	clusterBlock = "  " + strings.ReplaceAll(tlsBlock, "\n", "\n  ") + fmt.Sprintf(`
  authorization {
    user: %q
    password: %q
    timeout: 5
  }`, s.routeUser, s.routePassword)
	return clientBlock, clusterBlock
}

// routeURL is a route URL with the route user's credentials.
func (s *natsSecurity) routeURL(port int) string {
	return fmt.Sprintf("nats-route://%s:%s@127.0.0.1:%d", s.routeUser, s.routePassword, port)
}

// clientOptions are the test's own client settings: the same user,
// CA and client certificate as inboxbot's.
func (s *natsSecurity) clientOptions() []nats.Option {
	return []nats.Option{
		nats.UserInfo(s.user, s.password),
		nats.RootCAs(s.ca),
		nats.ClientCert(s.clientCert, s.clientKey),
	}
}

// env is the client settings for `inboxbot serve`: the user from the
// environment, the password and TLS material from files.
func (s *natsSecurity) env() []string {
	return []string{
		"INBOXBOT_NATS_USER=" + s.user,
		"INBOXBOT_NATS_PASSWORD_FILE=" + s.passwordFile,
		"INBOXBOT_NATS_TLS_CA=" + s.ca,
		"INBOXBOT_NATS_TLS_CERT=" + s.clientCert,
		"INBOXBOT_NATS_TLS_KEY=" + s.clientKey,
	}
}
