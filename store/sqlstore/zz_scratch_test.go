package sqlstore_test

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inboxbot/inboxbot/store"
	"github.com/inboxbot/inboxbot/store/sqlstore"
)

func BenchmarkScratchIngest(b *testing.B) {
	p := filepath.Join(b.TempDir(), "x.db")
	s, err := sqlstore.Open(b.Context(), store.Config{Driver: "sqlite", DSN: p})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	db, err := sql.Open("sqlite3", p)
	if err != nil {
		b.Fatal(err)
	}
	for _, stmt := range strings.Split(os.Getenv("DROP"), "|") {
		if strings.TrimSpace(stmt) == "" {
			continue
		}
		if _, err := db.Exec(stmt); err != nil {
			b.Fatal(stmt, err)
		}
	}
	db.Close()
	benchIngest(b, s)
}
