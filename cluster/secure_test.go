package cluster_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"golang.org/x/crypto/bcrypt"
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

	caKey := newKey(t)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "inboxbot cluster test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	s.ca = s.writePEM(t, "ca.pem", "CERTIFICATE", caDER)
	issue := func(name string, serial int64, usage ...x509.ExtKeyUsage) (cert, key string) {
		k := newKey(t)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: usage,
			// The address clients and routes dial, and the one each node
			// advertises to clients for reconnecting.
			IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		keyDER, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return s.writePEM(t, name+".pem", "CERTIFICATE", der), s.writePEM(t, name+"-key.pem", "EC PRIVATE KEY", keyDER)
	}
	// A node's certificate serves clients and routes, and authenticates
	// it when it dials the other nodes' routes: both usages.
	s.nodeCert, s.nodeKey = issue("nats-node", 2, x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth)
	s.clientCert, s.clientKey = issue("inboxbot", 3, x509.ExtKeyUsageClientAuth)
	return s
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
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

func (s *natsSecurity) writePEM(t *testing.T, name, typ string, der []byte) string {
	return s.write(t, name, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
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
