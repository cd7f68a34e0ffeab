package bus_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/inboxbot/inboxbot/bus"
	"github.com/inboxbot/inboxbot/internal/testutil"
)

// testNKeySeed is a throwaway NKey user seed, made for these tests only.
const testNKeySeed = "SUAEFIYDRJJOT2BRR5OTZMVF4JRKURD7FBIJWHKZAQSDT63F55DGAGRVRM"

// testPKI is a throwaway CA with a server certificate for 127.0.0.1 and a
// client certificate, as PEM files in a temporary directory.
type testPKI struct {
	ca, serverCert, serverKey, cert, key string
	caPool                               *x509.CertPool
	serverPair                           tls.Certificate
}

func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	ca := testutil.NewCA(t, "", "inboxbot test CA")
	p := &testPKI{ca: ca.File, caPool: ca.Pool}
	p.serverCert, p.serverKey = ca.Issue(t, "server", x509.ExtKeyUsageServerAuth)
	p.cert, p.key = ca.Issue(t, "client", x509.ExtKeyUsageClientAuth)
	var err error
	if p.serverPair, err = tls.LoadX509KeyPair(p.serverCert, p.serverKey); err != nil {
		t.Fatal(err)
	}
	return p
}

// startSecuredServer runs a JetStream nats-server that requires TLS with
// a client certificate, and whatever authentication configure sets.
func startSecuredServer(t *testing.T, pki *testPKI, configure func(*server.Options)) string {
	t.Helper()
	opts := &server.Options{
		Host: "127.0.0.1", Port: testutil.FreePort(t), JetStream: true, StoreDir: t.TempDir(), NoLog: true, NoSigs: true,
		TLS: true, TLSVerify: true, TLSTimeout: 2,
		TLSConfig: &tls.Config{
			Certificates: []tls.Certificate{pki.serverPair}, ClientCAs: pki.caPool,
			ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12,
		},
	}
	configure(opts)
	srv, err := server.NewServer(opts)
	if err != nil {
		t.Fatalf("nats-server: %v", err)
	}
	srv.Start()
	t.Cleanup(srv.Shutdown)
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server not ready")
	}
	return srv.ClientURL()
}

// TestExternalServerWithTLSAndAuthentication connects the bus to servers
// that require TLS with a client certificate and each authentication
// method, and checks that the bus is refused without the credentials.
func TestExternalServerWithTLSAndAuthentication(t *testing.T) {
	pki := newTestPKI(t)
	seedFile := testutil.WriteFile(t, "user.nk", testNKeySeed+"\n")
	var seeded nats.Options
	nk, err := nats.NkeyOptionFromSeed(seedFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := nk(&seeded); err != nil {
		t.Fatal(err)
	}
	tlsCfg := bus.Config{TLSCA: pki.ca, TLSCert: pki.cert, TLSKey: pki.key}
	tests := []struct {
		name   string
		server func(*server.Options)
		auth   func(*bus.Config)
	}{
		{"user and password",
			func(o *server.Options) { o.Users = []*server.User{{Username: "inboxbot", Password: "s3cret-pass"}} },
			func(c *bus.Config) { c.User, c.Password = "inboxbot", "s3cret-pass" }},
		{"token",
			func(o *server.Options) { o.Authorization = "s3cret-token" },
			func(c *bus.Config) { c.Token = "s3cret-token" }},
		{"nkey",
			func(o *server.Options) { o.Nkeys = []*server.NkeyUser{{Nkey: seeded.Nkey}} },
			func(c *bus.Config) { c.NKeySeedFile = seedFile }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := startSecuredServer(t, pki, tt.server)
			cfg := tlsCfg
			cfg.URL, cfg.Replicas = url, 1
			tt.auth(&cfg)
			b, err := bus.Open(t.Context(), cfg, nil)
			if err != nil {
				t.Fatalf("Open with %s over TLS: %v", tt.name, err)
			}
			if ok, why := b.Healthy(); !ok {
				t.Errorf("not healthy: %s", why)
			}
			if _, err := b.Conn().TLSConnectionState(); err != nil {
				t.Errorf("connection is not over TLS: %v", err)
			}
			b.Close()

			// The same server refuses a client without the credentials,
			// and one without the client certificate.
			noAuth := tlsCfg
			noAuth.URL, noAuth.Replicas = url, 1
			if b, err := openQuickly(t, noAuth); err == nil {
				b.Close()
				t.Errorf("Open without credentials succeeded")
			}
			noCert := cfg
			noCert.TLSCert, noCert.TLSKey = "", ""
			if b, err := openQuickly(t, noCert); err == nil {
				b.Close()
				t.Errorf("Open without the client certificate succeeded")
			}
		})
	}
}

// openQuickly opens a bus that is expected to be refused, with a short
// start-up deadline.
func openQuickly(t *testing.T, cfg bus.Config) (*bus.Bus, error) {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	return bus.Open(ctx, cfg, nil)
}

func TestClientSettingsValidated(t *testing.T) {
	pki := newTestPKI(t)
	garbage := testutil.WriteFile(t, "garbage", "not a key\n")
	ext := "nats://127.0.0.1:4222"
	tests := []struct {
		name string
		cfg  bus.Config
		want []string // substrings the error must hold
	}{
		{"user without url", bus.Config{User: "u", Password: "p"}, []string{"user: applies to an external server only", "password: applies"}},
		{"tls without url", bus.Config{TLSCA: pki.ca}, []string{"tls_ca: applies to an external server only"}},
		{"two methods", bus.Config{URL: ext, User: "u", Password: "p", Token: "t"}, []string{"only one authentication method", "user and password, token"}},
		{"url credentials and a token", bus.Config{URL: "nats://u:p@127.0.0.1:4222", Token: "t"}, []string{"only one authentication method", "credentials in url"}},
		{"user without password", bus.Config{URL: ext, User: "u"}, []string{"password: user \"u\" needs a password"}},
		{"password without user", bus.Config{URL: ext, Password: "p"}, []string{"user: a password needs a user"}},
		{"cert without key", bus.Config{URL: ext, TLSCert: pki.cert}, []string{"tls_key: tls_cert needs its key"}},
		{"key without cert", bus.Config{URL: ext, TLSKey: pki.key}, []string{"tls_cert: tls_key needs its certificate"}},
		{"missing ca", bus.Config{URL: ext, TLSCA: "/nonexistent/ca.pem"}, []string{"tls_ca:", "no such file"}},
		{"ca that is not a certificate", bus.Config{URL: ext, TLSCA: garbage}, []string{"tls_ca:"}},
		{"cert and key that do not match", bus.Config{URL: ext, TLSCert: pki.cert, TLSKey: pki.serverKey}, []string{"tls_cert:"}},
		{"bad nkey seed", bus.Config{URL: ext, NKeySeedFile: garbage}, []string{"nkey_seed_file:"}},
		{"missing creds", bus.Config{URL: ext, CredsFile: "/nonexistent/x.creds"}, []string{"creds_file:"}},
		{"bad creds", bus.Config{URL: ext, CredsFile: garbage}, []string{"creds_file:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.WithDefaults().Validate()
			if err == nil {
				t.Fatalf("Validate accepted %+v", tt.cfg)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "not a key") {
				t.Errorf("error repeats a file's contents: %v", err)
			}
		})
	}
	good := bus.Config{URL: ext, User: "u", Password: "p", TLSCA: pki.ca, TLSCert: pki.cert, TLSKey: pki.key}
	if err := good.WithDefaults().Validate(); err != nil {
		t.Errorf("valid client settings refused: %v", err)
	}
	seed := testutil.WriteFile(t, "user.nk", testNKeySeed)
	if err := (bus.Config{URL: ext, NKeySeedFile: seed}).WithDefaults().Validate(); err != nil {
		t.Errorf("valid nkey seed refused: %v", err)
	}
}
