package store_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestConsumersLinkNoDriver: the router, the desk and the connectors take
// the small interfaces of package store, so none of them links a database
// driver (cgo SQLite, pgx) or the sqlx implementation; only the program's
// wiring does.
func TestConsumersLinkNoDriver(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list over the module")
	}
	cmd := exec.Command("go", "list", "-deps", "./router", "./agent", "./connectors/...", "./store")
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 20 {
		t.Fatalf("go list listed %d packages: %q", len(deps), out)
	}
	for _, d := range deps {
		for _, banned := range []string{"github.com/mattn/go-sqlite3", "github.com/jackc/pgx", "github.com/jmoiron/sqlx", "github.com/inboxbot/inboxbot/store/sqlstore"} {
			if d == banned || strings.HasPrefix(d, banned+"/") {
				t.Errorf("a consumer of package store links %s", d)
			}
		}
	}
}
