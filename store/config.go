package store

import (
	"errors"
	"fmt"
)

// Config chooses and tunes the database behind a Store. It is the "store"
// section of the settings file.
type Config struct {
	// Driver is "sqlite" (one file, no server: the default for a single
	// host) or "postgres" (for several inboxbot processes sharing one
	// database).
	Driver string `yaml:"driver"`
	// DSN locates the database. For sqlite it is a plain file path, not a
	// URI; its directory is created if missing. sqlstore.Open refuses an empty one:
	// the config package fills in the default <data_dir>/inboxbot.db
	// before calling it, so that the store never guesses a location. For
	// postgres it is a URL or keyword/value string as understood by pgx,
	// e.g. postgres://inboxbot@db:5432/inboxbot?sslmode=disable.
	//
	// Its password (in the URL, or password= in a keyword/value string)
	// is a secret: the config package masks it, scrubs it from logs, and
	// refuses a DSN that holds one in the YAML file, where a DSN without
	// a password is fine (pgx then reads the password from PGPASSFILE,
	// passfile= or PGPASSWORD).
	DSN string `yaml:"dsn" secret:"url"`
	// DSNFile names a file holding the whole DSN, password included; the
	// config package reads it into DSN at load time. Set DSN or DSNFile,
	// not both.
	DSNFile string `yaml:"dsn_file"`
	// MaxOpenConns caps the connections of the pool that serves reads: for
	// sqlite the read-only pool (writes always go through one connection,
	// which SQLite needs anyway), for postgres the whole pool. 0 means the
	// default: 4 for sqlite, 10 for postgres.
	MaxOpenConns int `yaml:"max_open_conns"`
}

// The drivers Config.Driver accepts.
const (
	DriverSQLite   = "sqlite"
	DriverPostgres = "postgres"
)

// Validate reports every reason cfg cannot be opened, one error per
// setting, each starting with the setting's key within the store section,
// so that `inboxbot config check` can fail before anything starts.
func (cfg Config) Validate() error {
	var errs []error
	switch cfg.Driver {
	case DriverSQLite:
	case DriverPostgres:
		if cfg.DSN == "" {
			errs = append(errs, errors.New("dsn: postgres needs a dsn (a postgres:// URL)"))
		}
	default:
		errs = append(errs, fmt.Errorf("driver: %w %q: want %q or %q", ErrUnknownDriver, cfg.Driver, DriverSQLite, DriverPostgres))
	}
	if cfg.MaxOpenConns < 0 {
		errs = append(errs, fmt.Errorf("max_open_conns: must not be negative, got %d", cfg.MaxOpenConns))
	}
	return errors.Join(errs...)
}
