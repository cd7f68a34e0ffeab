package chaos_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/inboxbot/inboxbot/internal/testutil"
)

// natsServer is one nats-server process with JetStream, restartable on
// the same port and store directory.
type natsServer struct {
	bin, conf, log string
	port           int
	p              *testutil.Proc
	starts         int
}

func startNATS(t *testing.T, bin, dir string) *natsServer {
	t.Helper()
	n := &natsServer{bin: bin, port: testutil.FreePort(t), conf: filepath.Join(dir, "nats.conf"), log: filepath.Join(dir, "nats.log")}
	conf := fmt.Sprintf(`server_name: chaos
listen: 127.0.0.1:%d
jetstream {
  store_dir: %q
  max_memory_store: 64MB
  max_file_store: 1GB
}
`, n.port, filepath.Join(dir, "jetstream"))
	if err := os.WriteFile(n.conf, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	n.start(t)
	return n
}

func (n *natsServer) url() string { return fmt.Sprintf("nats://127.0.0.1:%d", n.port) }

// start starts the server and waits until JetStream answers.
func (n *natsServer) start(t *testing.T) {
	t.Helper()
	n.starts++
	n.p = testutil.StartProc(t, fmt.Sprintf("nats-server (start %d)", n.starts), n.log, nil, n.bin, "-c", n.conf)
	nc, js := connectNATS(t, n.url())
	defer nc.Close()
	testutil.WaitFor(t, 30*time.Second, "JetStream ready", func() bool {
		if n.p.Exited() {
			t.Fatalf("nats-server exited at start:\n%s", testutil.Tail(n.log, 30))
		}
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		_, err := js.AccountInfo(ctx)
		return err == nil
	})
}

func connectNATS(t *testing.T, url string) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	var nc *nats.Conn
	testutil.WaitFor(t, 30*time.Second, "connecting to NATS", func() bool {
		var err error
		nc, err = nats.Connect(url, nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond), nats.Name("chaos-test"))
		return err == nil
	})
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return nc, js
}

// postgres is a private PostgreSQL server in a temporary directory, on a
// free port: the suite restarts it, so it must not be the machine's own.
type postgres struct {
	binDir, dir, data, log string
	port                   int
	cred                   *syscall.Credential // run as the postgres user when we are root
}

// postgresBinDir finds the newest /usr/lib/postgresql/<version>/bin that
// has initdb and pg_ctl.
func postgresBinDir() string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi > vj
	})
	for _, d := range dirs {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "pg_ctl")) && isExec(filepath.Join(d, "postgres")) {
			return d
		}
	}
	return ""
}

func isExec(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// startPostgres runs initdb and starts the server. PostgreSQL refuses to
// run as root, so as root it runs as the postgres user, in a directory of
// its own under the system's temp dir (t.TempDir's parents are private to
// root).
func startPostgres(t *testing.T, binDir string) *postgres {
	t.Helper()
	pg := &postgres{binDir: binDir, port: testutil.FreePort(t)}
	dir, err := os.MkdirTemp("", "inboxbot-chaos-pg-")
	if err != nil {
		t.Fatal(err)
	}
	pg.dir, pg.data, pg.log = dir, filepath.Join(dir, "data"), filepath.Join(dir, "postgres.log")
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root, PostgreSQL needs the postgres user: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		pg.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("--- last lines of postgres.log:\n%s", testutil.Tail(pg.log, 20))
		}
		_ = pg.ctl("stop", "-m", "immediate", "-w", "-t", "20")
		_ = os.RemoveAll(dir)
	})
	if out, err := pg.run("initdb", "-D", pg.data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	conf := fmt.Sprintf(`
listen_addresses = '127.0.0.1'
port = %d
unix_socket_directories = '%s'
max_connections = 100
shared_buffers = 32MB
fsync = off
full_page_writes = off
`, pg.port, dir)
	f, err := os.OpenFile(filepath.Join(pg.data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(conf); err != nil {
		t.Fatal(err)
	}
	_ = f.Close()
	if err := pg.ctl("start"); err != nil {
		t.Fatalf("pg_ctl start: %v\n%s", err, testutil.Tail(pg.log, 20))
	}
	return pg
}

func (pg *postgres) dsn() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", pg.port)
}

// run runs one of the server's programs as its owner.
func (pg *postgres) run(prog string, args ...string) ([]byte, error) {
	cmd := exec.Command(filepath.Join(pg.binDir, prog), args...)
	cmd.Dir = pg.dir
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LC_ALL=C"}
	if pg.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: pg.cred}
	}
	return cmd.CombinedOutput()
}

// ctl runs pg_ctl with the data directory and log file; it waits for the
// operation to finish (-w).
func (pg *postgres) ctl(args ...string) error {
	args = append([]string{"-D", pg.data, "-l", pg.log, "-w", "-t", "60"}, args...)
	if out, err := pg.run("pg_ctl", args...); err != nil {
		return fmt.Errorf("%v: %s", err, out)
	}
	return nil
}
