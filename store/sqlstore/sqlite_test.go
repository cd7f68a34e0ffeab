package sqlstore_test

import (
	"database/sql"
	"errors"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/inboxbot/inboxbot/store"
	"github.com/inboxbot/inboxbot/store/sqlstore"
	"github.com/inboxbot/inboxbot/store/storetest"
)

func openSQLite(t testing.TB) store.Store {
	t.Helper()
	// A subdirectory checks that Open creates the parent directory.
	s, err := sqlstore.Open(t.Context(), store.Config{Driver: "sqlite", DSN: filepath.Join(t.TempDir(), "data", "inboxbot.db")})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openSQLite(t) })
}

// TestSQLiteSetup checks the writer's settings on the file: WAL, and 512-byte
// pages for a new database (fewer bytes per dirty page; see sqlite.go).
func TestSQLiteSetup(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "inboxbot.db")
	s, err := sqlstore.Open(t.Context(), store.Config{Driver: "sqlite", DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	db, err := sql.Open("sqlite3", "file:"+dsn+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var size int
	var mode string
	if err := db.QueryRow("PRAGMA page_size").Scan(&size); err != nil || size != 512 {
		t.Errorf("page_size = %d, %v; want 512", size, err)
	}
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
}

func TestSQLiteReopen(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "inboxbot.db")
	cfg := store.Config{Driver: "sqlite", DSN: dsn}
	s, err := sqlstore.Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetCursor(t.Context(), "k", "v"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = sqlstore.Open(t.Context(), cfg)
	if err != nil {
		t.Fatalf("reopening: %v", err)
	}
	defer s.Close()
	if v, ok, err := s.Cursor(t.Context(), "k"); err != nil || !ok || v != "v" {
		t.Errorf("after reopening: %q %v %v", v, ok, err)
	}
}

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		cfg     store.Config
		wantErr bool
	}{
		{store.Config{Driver: "sqlite", DSN: "x.db"}, false},
		{store.Config{Driver: "sqlite"}, false}, // the config package fills the path
		{store.Config{Driver: "postgres", DSN: "postgres://localhost/x"}, false},
		{store.Config{Driver: "postgres"}, true},
		{store.Config{Driver: "mysql", DSN: "x"}, true},
		{store.Config{}, true},
		{store.Config{Driver: "sqlite", DSN: "x.db", MaxOpenConns: -1}, true},
	}
	for _, tc := range cases {
		if err := tc.cfg.Validate(); (err != nil) != tc.wantErr {
			t.Errorf("Validate(%+v) = %v, want error %v", tc.cfg, err, tc.wantErr)
		}
	}
	if _, err := sqlstore.Open(t.Context(), store.Config{Driver: "sqlite"}); err == nil {
		t.Error("Open with an empty sqlite dsn succeeded")
	}
	if _, err := sqlstore.Open(t.Context(), store.Config{Driver: "oracle"}); !errors.Is(err, store.ErrUnknownDriver) {
		t.Errorf("Open with an unknown driver: %v, want ErrUnknownDriver", err)
	}
}

// TestSQLiteKeepsNoMemoryStatistics checks that SQLite, with a store open
// and written to, does not count its memory: the statistics cost a global
// mutex per allocation (malloc_cgo.go), and turning them off works only
// before SQLite's first use.
func TestSQLiteKeepsNoMemoryStatistics(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the statistics are turned off on Linux only")
	}
	s, err := sqlstore.Open(t.Context(), store.Config{Driver: "sqlite", DSN: filepath.Join(t.TempDir(), "inboxbot.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.SetCursor(t.Context(), "test", "1"); err != nil {
		t.Fatal(err)
	}
	if sqlstore.SQLiteMemoryCounted() {
		t.Fatal("SQLite counts its memory: its statistics are on")
	}
}
